import { afterAll, describe, expect, it } from '@jest/globals';
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { localstackAnswers, localstackEndpoint } from '../../local/localstack.js';
import { fixture } from '../support/builders/webhook.js';
import { eventually } from '../support/local-runtime-process.js';
import { KubeStandin } from '../../local/kube-standin/server.js';

/**
 * Through LocalStack's API Gateway, after `npm run deploy:local`: runs only when LocalStack answers on its
 * port; otherwise it is reported as skipped, with the reason in its name.
 */
const health = await localstackAnswers();
const aws = { endpoint: localstackEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

describe('the deployed stack on LocalStack', () => {
  if (!health.ok) {
    process.stderr.write(`[test:localstack] skipped: ${health.reason}\n`);
    it.skip(`posts an alert through API Gateway and finds its RemediationRequest — skipped: ${health.reason}`, () => undefined);
    return;
  }
  let standin: KubeStandin | undefined;
  afterAll(async () => {
    await standin?.stop();
  });

  it('posts an alert through API Gateway and finds its RemediationRequest', async () => {
    // The functions run in LocalStack's containers and reach this machine's stand-in there.
    standin = await KubeStandin.start({ host: '0.0.0.0' });
    const port = new URL(standin.url).port;
    const secrets = new SecretsManagerClient(aws);
    const listed = await secrets.send(new ListSecretsCommand({}));
    const secretArn = (fragment: string) => listed.SecretList?.find((secret) => secret.Name?.includes(fragment))?.ARN ?? '';
    const token = 'localstack-token-0123456789';
    await secrets.send(new PutSecretValueCommand({ SecretId: secretArn('AuthTokens'), SecretString: token }));
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretArn('Kubeconfig'),
        SecretString: `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://host.docker.internal:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
      }),
    );
    const apis = await new APIGatewayClient(aws).send(new GetRestApisCommand({}));
    const apiId = apis.items?.find((api) => api.name === 'stormgate')?.id;
    expect(apiId).toBeDefined();
    const response = await fetch(`${localstackEndpoint}/_aws/execute-api/${apiId ?? ''}/live/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: fixture('alertmanager-firing.json'),
    });
    expect(response.status).toBe(202);
    const created = await eventually(async () => {
      const items = standin?.list('remediationrequests') ?? [];
      return items.length > 0 ? items : undefined;
    }, 'the RemediationRequest', 120_000);
    expect(created).toHaveLength(1);
  }, 180_000); // a first invocation pulls and starts the function containers; the wait above is 120 s
});
