import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { KubeTarget } from '../config/index.js';

/**
 * The one Kubernetes client factory: a kubeconfig file (`KUBECONFIG`, any real cluster) or an API URL
 * with a bearer token (`KUBE_API_URL`, `KUBE_TOKEN`). TLS verification stays on; the kubeconfig decides.
 */
export function createKubeClient(target: KubeTarget): CustomObjectsApi {
  const kubeConfig = new KubeConfig();
  if (target.mode === 'kubeconfig') {
    kubeConfig.loadFromFile(target.path);
  } else {
    // client-node refuses plain http:// unless skipTLSVerify is set; with http there is no TLS to verify,
    // so the flag is set for http:// only and https:// always verifies the cluster CA.
    const plainHttp = target.server.startsWith('http://');
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'target', server: target.server, skipTLSVerify: plainHttp }],
      users: [{ name: 'stormgate', ...(target.token !== undefined && { token: target.token }) }],
      contexts: [{ name: 'stormgate', cluster: 'target', user: 'stormgate' }],
      currentContext: 'stormgate',
    });
  }
  return kubeConfig.makeApiClient(CustomObjectsApi);
}
