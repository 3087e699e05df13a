import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createSecretsClient } from '../../lib/aws/secrets-client.js';
import { createKubeClient } from '../../lib/kube/client.js';
import { kubeconfigPlaceholder } from '../../lib/kube/kubeconfig-placeholder.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { KubeStandin } from '../../local/kube-standin/server.js';
import { lambdaEventSender, redriveDeadLetters } from '../../local/redrive.js';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';
import { SecretsManagerStandin } from '../support/secrets-manager-standin.js';

const secretId = 'stormgate/kubeconfig';

/** A kubeconfig as an operator would put it in the secret the stack created. */
const kubeconfigFor = (server: string, token: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: target`,
    `  cluster: { server: "${server}" }`,
    'users:',
    `- name: stormgate`,
    `  user: { token: "${token}" }`,
    'contexts:',
    '- name: stormgate',
    '  context: { cluster: target, user: stormgate }',
    'current-context: stormgate',
    '',
  ].join('\n');

/**
 * A cluster that is not EKS, reached through the kubeconfig kept in Secrets Manager (as deployed): the
 * placeholder the stack puts there is named, and a kubeconfig replaced in the secret takes effect in a
 * warm function as soon as the API server refuses the old one (no cold start needed).
 */
describe('the kubeconfig kept in Secrets Manager', () => {
  let secrets: SecretsManagerStandin;
  let cluster: KubeStandin;
  // What the cluster accepts, and what the secret holds: a test that changes either puts them back.
  let acceptedToken = 'token-before-rotation-0001';
  /** A token the cluster accepts too, for an overlap while a rotation is under way. */
  let alsoAccepted: string | undefined;
  const presented: string[] = [];
  const rotate = (token: string) => {
    acceptedToken = token;
    secrets.secrets.set(secretId, kubeconfigFor(cluster.url, token));
  };
  let it_: IntegrationStack;
  /** The project's Secrets Manager client factory, pointed at a stand-in (the stack set the AWS credentials). */
  const secretsClientOf = (standin: SecretsManagerStandin) => () => createSecretsClient({ region: 'us-east-1', secretsManagerEndpoint: standin.url });

  beforeAll(async () => {
    cluster = await KubeStandin.start({
      token: (token) => {
        presented.push(token);
        return token === acceptedToken || token === alsoAccepted;
      },
    });
    secrets = await SecretsManagerStandin.start({ [secretId]: kubeconfigFor(cluster.url, acceptedToken) });
    it_ = await startIntegrationStack('standalone', { KUBECONFIG_SECRET_ID: secretId, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, STORM_HOLD_SECONDS: '0' });
  });
  afterAll(async () => {
    await it_?.stop();
    await secrets?.stop();
    await cluster?.stop();
  });

  it.each([
    ['the placeholder the stack created', kubeconfigPlaceholder, /secret stormgate\/kubeconfig still holds the placeholder the stack created: put the kubeconfig of the target cluster in it/],
    ['text that is not YAML', 'clusters: [unclosed', /secret stormgate\/kubeconfig does not hold a kubeconfig/],
    ['a kubeconfig without a current context', 'apiVersion: v1\nkind: Config\nclusters: []\n', /the kubeconfig in secret stormgate\/kubeconfig has no current context with a cluster/],
  ])('names %s instead of failing on it later', async (_, text, message) => {
    const standin = await SecretsManagerStandin.start({ [secretId]: text });
    try {
      await expect(createKubeClient({ mode: 'kubeconfig-secret', secretId }, { region: 'us-east-1', secrets: secretsClientOf(standin) })).rejects.toThrow(message);
    } finally {
      await standin.stop();
    }
  });

  it('reads a usable kubeconfig from the secret: the API answers with its server and token', async () => {
    const client = await createKubeClient({ mode: 'kubeconfig-secret', secretId }, { region: 'us-east-1', secrets: secretsClientOf(secrets) });
    await expect(new RemediationRequestWriter(client, 'stormgate').find('stormgate.dev/none=x')).resolves.toEqual([]);
  });

  it('follows credentials rotated in the cluster and in the secret: the refused write reads the secret again', async () => {
    const before = cluster.list('remediationrequests', 'stormgate').length;
    await it_.deliver([alert({ labels: { alertname: 'BeforeRotation' } })]);
    expect(cluster.list('remediationrequests', 'stormgate')).toHaveLength(before + 1);

    // The cluster stops accepting the old token; the operator puts the new kubeconfig in the secret.
    rotate(`rotated-${acceptedToken}`);

    // The warm dedup still holds the old client: its write is refused (401), which makes the client
    // again from the secret, and Lambda's retry of the batch writes with the new token.
    await it_.deliver([alert({ labels: { alertname: 'AfterRotation' } })]);
    expect(await it_.stack.runtime.deadLetters()).toEqual([]);
    expect(cluster.list('remediationrequests', 'stormgate').map((request) => (request.spec as { signalName: string }).signalName)).toEqual(
      expect.arrayContaining(['AfterRotation', 'BeforeRotation']),
    );
    expect(cluster.list('remediationrequests', 'stormgate')).toHaveLength(before + 2);
    await it_.checkAndReset();
  });

  it('reads the secret again at most once per 30 s while the API server keeps refusing (a lasting 403 or revoked token)', async () => {
    const readsBefore = secrets.reads.get(secretId) ?? 0;
    const tokenInSecret = acceptedToken;
    acceptedToken = 'a-token-nobody-has-0003';
    for (const name of ['Refused1', 'Refused2', 'Refused3']) {
      expect((await it_.post(webhook([alert({ labels: { alertname: name } })]))).status).toBe(202);
    }
    await it_.stack.runtime.drain();
    // Three batches, each tried three times: nine refused writes, each of which asked for a new client.
    const deadLetters = await it_.stack.runtime.deadLetters();
    expect(deadLetters.map((deadLetter) => deadLetter.requestContext.approximateInvokeCount)).toEqual([3, 3, 3]);
    expect((secrets.reads.get(secretId) ?? 0) - readsBefore).toBe(1);
    // Once the cluster takes the token again, the redrive (as `npm run dead-letters -- redrive --all` does
    // it: the real SDK to the runtime's invoke API) turns the three batches into their requests.
    acceptedToken = tokenInSecret;
    const outcome = await redriveDeadLetters(it_.stack.runtime.store, 'all', lambdaEventSender(it_.stack.url));
    expect(outcome).toMatchObject({ failed: [], unknown: [] });
    expect(outcome.redriven).toHaveLength(3);
    await it_.stack.runtime.drain();
    expect(await it_.stack.runtime.deadLetters()).toEqual([]);
    expect(cluster.list('remediationrequests', 'stormgate').map((request) => (request.spec as { signalName: string }).signalName)).toEqual(
      expect.arrayContaining(['Refused1', 'Refused2', 'Refused3']),
    );
    await it_.checkAndReset();
  });

  it('reads the secret again after 5 minutes in a warm function, keeping the client in use until the new one is made', async () => {
    const readsBefore = secrets.reads.get(secretId) ?? 0;
    const previous = acceptedToken;
    // An overlapping rotation: the cluster accepts both tokens; nothing is refused, so only the age renews the client.
    alsoAccepted = previous;
    rotate(`renewed-${previous}`);
    // Only Date moves (timers run as usual): the warm function's client is now older than 5 minutes.
    jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    try {
      jest.setSystemTime(Date.now() + 5 * 60 * 1000 + 1_000);
      presented.length = 0;
      await it_.deliver([alert({ labels: { alertname: 'WhileRenewing' } })]);
      // That write used the client in use (the old token) while the new one was being made.
      expect(presented[0]).toBe(previous);
      expect((secrets.reads.get(secretId) ?? 0) - readsBefore).toBe(1);
      presented.length = 0;
      await it_.deliver([alert({ labels: { alertname: 'AfterRenewal' } })]);
      expect(new Set(presented)).toEqual(new Set([acceptedToken]));
      expect((secrets.reads.get(secretId) ?? 0) - readsBefore).toBe(1);
    } finally {
      jest.useRealTimers();
      alsoAccepted = undefined;
    }
    expect(await it_.stack.runtime.deadLetters()).toEqual([]);
    await it_.checkAndReset();
  });
});
