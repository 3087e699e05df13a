import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AuthorizationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { EksTokenSource } from '../aws/eks-token.js';
import type { KubeTarget } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** The Kubernetes API client and, for EKS, where each request's bearer token comes from. */
export interface KubeClient {
  readonly api: CustomObjectsApi;
  /** SelfSubjectAccessReviews: what the configured identity may do (the start-up check). */
  readonly authorization: AuthorizationV1Api;
  readonly bearerToken?: () => Promise<string>;
}

function clientOf(kubeConfig: KubeConfig, bearerToken?: () => Promise<string>): KubeClient {
  return {
    api: kubeConfig.makeApiClient(CustomObjectsApi),
    authorization: kubeConfig.makeApiClient(AuthorizationV1Api),
    ...(bearerToken !== undefined && { bearerToken }),
  };
}

export interface KubeClientDeps {
  readonly region: string;
  /** Only for `kubeconfig-secret`. */
  readonly secrets?: SecretsManagerClient;
}

function fromServer(server: string, caData: string | undefined, token: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  // client-node refuses plain http:// unless skipTLSVerify is set; with http there is no TLS to verify,
  // so the flag is set for http:// only and https:// always verifies the cluster CA.
  const plainHttp = server.startsWith('http://');
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'target', server, skipTLSVerify: plainHttp, ...(caData !== undefined && { caData }) }],
    users: [{ name: 'stormgate', ...(token !== undefined && { token }) }],
    contexts: [{ name: 'stormgate', cluster: 'target', user: 'stormgate' }],
    currentContext: 'stormgate',
  });
  return kubeConfig;
}

/**
 * As kubectl does, a cluster served over plain `http://` (e.g. `kubectl proxy`) is spoken to over http:
 * client-node refuses http unless skipTLSVerify is set, and with http there is no TLS to verify.
 */
function allowPlainHttp(kubeConfig: KubeConfig): KubeConfig {
  if (!kubeConfig.clusters.some((cluster) => cluster.server.startsWith('http://'))) return kubeConfig;
  const adjusted = new KubeConfig();
  adjusted.loadFromOptions({
    clusters: kubeConfig.clusters.map((cluster) => (cluster.server.startsWith('http://') ? { ...cluster, skipTLSVerify: true } : cluster)),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return adjusted;
}

async function kubeconfigFromSecret(secretId: string, secrets: SecretsManagerClient | undefined): Promise<KubeConfig> {
  if (!secrets) throw new ConfigError('a Secrets Manager client is needed for KUBECONFIG_SECRET_ID');
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (secret.SecretString === undefined) throw new ConfigError(`secret ${secretId} holds no kubeconfig text`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(secret.SecretString);
  return allowPlainHttp(kubeConfig);
}

/**
 * The one Kubernetes client factory: a kubeconfig file (`KUBECONFIG`, e.g. kind), a kubeconfig from
 * Secrets Manager (`KUBECONFIG_SECRET_ID`, any cluster), EKS with a token minted in-process from the
 * function's IAM role (`EKS_CLUSTER_NAME`, `KUBE_API_URL`, `KUBE_CA_DATA`), or an API URL with a static
 * bearer token (`KUBE_API_URL`, `KUBE_TOKEN`). No CLI runs; cluster CA verification stays on.
 */
export async function createKubeClient(target: KubeTarget, deps: KubeClientDeps): Promise<KubeClient> {
  switch (target.mode) {
    case 'kubeconfig': {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(target.path);
      return clientOf(allowPlainHttp(kubeConfig));
    }
    case 'kubeconfig-secret':
      return clientOf(await kubeconfigFromSecret(target.secretId, deps.secrets));
    case 'eks': {
      const tokens = new EksTokenSource({ clusterName: target.clusterName, region: deps.region, credentials: defaultProvider() });
      return clientOf(fromServer(target.server, target.caData, undefined), () => tokens.token());
    }
    case 'token':
      return clientOf(fromServer(target.server, target.caData, target.token));
  }
}
