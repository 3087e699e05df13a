import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/free-port.js';
import { KubeStandin } from '../../local/kube-standin/server.js';
import { startLocalRuntimeProcess } from '../support/local-runtime-process.js';

/** `npm start` with a Kubernetes API it cannot use: it exits non-zero, naming the URL and the fix. */
describe('npm start checks what it depends on before it says it is up', () => {
  let withoutCrd: KubeStandin;
  let forbidsPatch: KubeStandin;

  beforeAll(async () => {
    withoutCrd = await KubeStandin.start({ crdDirectory: mkdtempSync(join(tmpdir(), 'sg-no-crd-')) });
    forbidsPatch = await KubeStandin.start({ deniedVerbs: ['patch'] });
  });
  afterAll(async () => {
    await Promise.all([withoutCrd.stop(), forbidsPatch.stop()]);
  });

  it('exits when the API server does not answer, naming its URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const failure = startLocalRuntimeProcess({ KUBE_API_URL: url, KUBE_TOKEN: 'unused' });
    await expect(failure).rejects.toThrow(/exited with 1 before it was ready/);
    await expect(failure).rejects.toThrow(new RegExp(`Kubernetes API at ${url} is not usable: .*it did not answer`));
  });

  it('exits when the RemediationRequest CRD is not installed, saying how to install it', async () => {
    await expect(startLocalRuntimeProcess({ KUBE_API_URL: withoutCrd.url, KUBE_TOKEN: 'unused' })).rejects.toThrow(
      new RegExp(`Kubernetes API at ${withoutCrd.url} is not usable: .*kubectl apply -f infra/k8s/`),
    );
  });

  it('exits when RBAC does not let it patch the status of requests', async () => {
    await expect(startLocalRuntimeProcess({ KUBE_API_URL: forbidsPatch.url, KUBE_TOKEN: 'unused' })).rejects.toThrow(/may not patch remediationrequests\/status in stormgate .*rbac\.yaml/);
  });
});
