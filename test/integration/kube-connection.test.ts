import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKubeClient } from '../../lib/kube/client.js';
import { KubeGuard } from '../../lib/kube/kube-guard.js';
import { buildRemediationRequest } from '../../lib/kube/remediation-request.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { signalsOf } from '../support/builders/webhook.js';
import { KubeStandin } from '../../local/kube-standin/server.js';

const [signal] = signalsOf({});
const request = buildRemediationRequest(signal!, 1_763_700_000, { namespace: 'stormgate', tenant: 'default' });
const directory = mkdtempSync(join(tmpdir(), 'sg-kube-connection-'));

/** A kubeconfig file as `kubectl config view --raw` writes it, for one cluster. */
function kubeconfigFile(name: string, cluster: string, token: string): string {
  const path = join(directory, name);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: c, cluster: { ${cluster} } }]`,
      `users: [{ name: u, user: { token: ${token} } }]`,
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n'),
  );
  return path;
}

describe('connecting to the Kubernetes API as configured', () => {
  let standin: KubeStandin;
  let withoutCrd: KubeStandin;
  let tls: Server;
  let tlsConnections = 0;

  beforeAll(async () => {
    standin = await KubeStandin.start({ token: 'proxy-token' });
    withoutCrd = await KubeStandin.start({ crdDirectory: mkdtempSync(join(tmpdir(), 'sg-no-crd-')) });
    // An API server whose certificate nobody told stormgate to trust (self-signed, made for this test).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(directory, 'key.pem'), '-out', join(directory, 'cert.pem')], { stdio: 'ignore' });
    tls = createServer({ key: readFileSync(join(directory, 'key.pem')), cert: readFileSync(join(directory, 'cert.pem')) }, (_request, response) => response.end('{}'));
    tls.on('secureConnection', () => (tlsConnections += 1));
    tls.on('tlsClientError', () => (tlsConnections += 1));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all([standin.stop(), withoutCrd.stop(), new Promise((resolve) => tls.close(resolve))]);
  });

  it('writes through a kubeconfig whose server is plain http:// (kubectl proxy), as kubectl does', async () => {
    const client = await createKubeClient({ mode: 'kubeconfig', path: kubeconfigFile('proxy', `server: "${standin.url}"`, 'proxy-token') }, { region: 'us-east-1' });
    expect((await new RemediationRequestWriter(client, 'stormgate').create(request)).result).toBe('created');
    expect(standin.list('remediationrequests')).toHaveLength(1);
  });

  it('reports an untrusted certificate as a configuration error naming the fix, without retrying it', async () => {
    const server = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const client = await createKubeClient({ mode: 'kubeconfig', path: kubeconfigFile('tls', `server: "${server}"`, 'any-token') }, { region: 'us-east-1' });
    let opened = false;
    const guard = new KubeGuard({ sleep: async () => undefined, onOpen: async () => void (opened = true) });
    const writer = new RemediationRequestWriter(client, 'stormgate', guard);
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await expect(writer.create(request)).rejects.toMatchObject({ name: 'KubeWriteError', retryable: false, message: expect.stringContaining('certificate-authority-data') as unknown });
    }
    // One connection per call (no retries: those would make 24), and six failures in a row did not open
    // the circuit. The server counts a refused handshake a moment after the client gave up.
    for (let wait = 0; wait < 50 && tlsConnections < 6; wait += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tlsConnections).toBe(6);
    expect(opened).toBe(false);
  });

  it('reports a missing CRD as a configuration error naming the fix', async () => {
    const client = await createKubeClient({ mode: 'token', server: withoutCrd.url, token: 't' }, { region: 'us-east-1' });
    await expect(new RemediationRequestWriter(client, 'stormgate', new KubeGuard({ sleep: async () => undefined })).create(request)).rejects.toMatchObject({
      name: 'KubeWriteError',
      statusCode: 404,
      retryable: false,
      message: expect.stringContaining('kubectl apply -f infra/k8s/') as unknown,
    });
  });
});
