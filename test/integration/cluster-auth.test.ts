import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createSecretsClient } from '../../lib/aws/secrets-client.js';
import { createKubeClient } from '../../lib/kube/client.js';
import { buildRemediationRequest } from '../../lib/kube/remediation-request.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { signalsOf } from '../support/builders/webhook.js';
import { KubeStandin } from '../../local/kube-standin/server.js';
import { SecretsManagerStandin } from '../support/secrets-manager-standin.js';

const [signal] = signalsOf({});
const request = buildRemediationRequest(signal!, 1_763_700_000, { namespace: 'stormgate', tenant: 'default' });

/** Tokens the EKS stand-in was shown. */
const presentedTokens: string[] = [];

/** What EKS checks before calling STS: a presigned GetCallerIdentity, its signed headers, these credentials. */
function isEksToken(token: string): boolean {
  presentedTokens.push(token);
  if (!token.startsWith('k8s-aws-v1.')) return false;
  const url = new URL(Buffer.from(token.slice(11), 'base64url').toString());
  return (
    url.host === 'sts.us-east-1.amazonaws.com' &&
    url.searchParams.get('Action') === 'GetCallerIdentity' &&
    url.searchParams.get('X-Amz-SignedHeaders') === 'host;x-k8s-aws-id' &&
    (url.searchParams.get('X-Amz-Credential') ?? '').startsWith('AKIDCLUSTERAUTH/')
  );
}

/**
 * What STS then checks: the signature covers `x-k8s-aws-id: <clusterName>`, so a token minted for one
 * cluster is refused by another. Recomputed from the token's own date and expiry with the test's secret.
 */
async function isSignedFor(token: string, clusterName: string): Promise<boolean> {
  const url = new URL(Buffer.from(token.slice(11), 'base64url').toString());
  const date = (url.searchParams.get('X-Amz-Date') ?? '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDCLUSTERAUTH', secretAccessKey: 'cluster-auth-secret' }, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const expected = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'https:', hostname: url.host, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: url.host, 'x-k8s-aws-id': clusterName } }),
    { expiresIn: Number(url.searchParams.get('X-Amz-Expires')), signingDate: new Date(date) },
  );
  return expected.query?.['X-Amz-Signature'] === url.searchParams.get('X-Amz-Signature');
}

describe('authenticating to the cluster without a CLI', () => {
  let eksStandin: KubeStandin;
  let plainStandin: KubeStandin;
  let secrets: SecretsManagerStandin;

  beforeAll(async () => {
    // The default AWS credential chain reads these, as it reads a Lambda's role credentials.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDCLUSTERAUTH';
    process.env.AWS_SECRET_ACCESS_KEY = 'cluster-auth-secret';
    eksStandin = await KubeStandin.start({ token: isEksToken });
    plainStandin = await KubeStandin.start({ token: 'kubeconfig-token' });
    secrets = await SecretsManagerStandin.start({
      'stormgate/kubeconfig': [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: c, cluster: { server: "${plainStandin.url}", insecure-skip-tls-verify: true } }]`,
        'users: [{ name: u, user: { token: kubeconfig-token } }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await Promise.all([eksStandin.stop(), plainStandin.stop(), secrets.stop()]);
  });

  it('writes to EKS with a token minted in-process from IAM credentials', async () => {
    const client = await createKubeClient({ mode: 'eks', server: eksStandin.url, clusterName: 'prod' }, { region: 'us-east-1' });
    presentedTokens.length = 0;
    expect((await new RemediationRequestWriter(client, 'stormgate').create(request)).result).toBe('created');
    expect(eksStandin.list('remediationrequests')).toHaveLength(1);
    expect(presentedTokens.length).toBeGreaterThan(0);
    for (const token of presentedTokens) {
      expect(await isSignedFor(token, 'prod')).toBe(true);
      expect(await isSignedFor(token, 'staging')).toBe(false);
    }
  });

  it('is refused by the cluster without that token', async () => {
    const client = await createKubeClient({ mode: 'token', server: eksStandin.url, token: 'not-an-eks-token' }, { region: 'us-east-1' });
    await expect(new RemediationRequestWriter(client, 'stormgate').create(request)).rejects.toMatchObject({ name: 'KubeWriteError', statusCode: 401, retryable: false });
  });

  it('writes to any cluster with a kubeconfig read from Secrets Manager (real SDK)', async () => {
    const secretsClient = () => createSecretsClient({ region: 'us-east-1', secretsManagerEndpoint: secrets.url });
    const client = await createKubeClient({ mode: 'kubeconfig-secret', secretId: 'stormgate/kubeconfig' }, { region: 'us-east-1', secrets: secretsClient });
    expect((await new RemediationRequestWriter(client, 'stormgate').create(request)).result).toBe('created');
    expect(plainStandin.list('remediationrequests')).toHaveLength(1);
    await expect(createKubeClient({ mode: 'kubeconfig-secret', secretId: 'missing' }, { region: 'us-east-1', secrets: secretsClient })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
