import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  ConfigurationOptions,
  CustomObjectsApi,
  KubeConfig,
  ObservableMiddleware,
} from '@kubernetes/client-node';
import type { KubeTarget } from '../config/index.js';
import type * as ClientNodeParts from './client-node.js';
import { ConfigError } from '../errors.js';
import { kubeconfigPlaceholder } from './kubeconfig-placeholder.js';

/**
 * client-node (1.1 MB bundled, ~150 ms to load) is loaded when the first client is made, not when a
 * function starts: most dedup invocations (re-sends of open episodes) never write to Kubernetes.
 */
type ClientNode = typeof ClientNodeParts;
const loadClientNode = (): Promise<ClientNode> => import('./client-node.js');

/** The Kubernetes API client and, for EKS, where each request's bearer token comes from. */
export interface KubeClient {
  readonly api: CustomObjectsApi;
  /** SelfSubjectAccessReviews: what the configured identity may do (the start-up check). */
  readonly authorization: AuthorizationV1Api;
  /** Workloads, read to find a pod's owner (owner-based fingerprints): Pods, ReplicaSets, Jobs; loaded on first use. */
  workloads(): Promise<WorkloadApis>;
  /** Per-call options: the timeout, for patches the content type, for EKS the current bearer token. */
  callOptions(timeoutMs: number, contentType?: string): ConfigurationOptions<ObservableMiddleware>;
  /** The API's answer when a call failed with one (client-node's ApiException); undefined for no answer. */
  apiFailure(error: unknown): ApiException<unknown> | undefined;
}

export interface WorkloadApis {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
}

function clientOf(k8s: ClientNode, kubeConfig: KubeConfig, bearerToken?: () => Promise<string>): KubeClient {
  let workloads: Promise<WorkloadApis> | undefined;
  return {
    api: kubeConfig.makeApiClient(k8s.CustomObjectsApi),
    authorization: kubeConfig.makeApiClient(k8s.AuthorizationV1Api),
    workloads: async () => {
      workloads ??= import('./client-node-workloads.js').then((parts) => ({
        core: kubeConfig.makeApiClient(parts.CoreV1Api),
        apps: kubeConfig.makeApiClient(parts.AppsV1Api),
        batch: kubeConfig.makeApiClient(parts.BatchV1Api),
      }));
      return workloads;
    },
    callOptions: (timeoutMs, contentType) => {
      // The client defaults patches to json-patch; EKS tokens are minted in-process and refreshed before expiry.
      const middleware: ObservableMiddleware = {
        pre: (request) => {
          request.setSignal(AbortSignal.timeout(timeoutMs));
          if (contentType !== undefined) request.setHeaderParam('Content-Type', contentType);
          if (bearerToken === undefined) return new k8s.Observable(Promise.resolve(request));
          return new k8s.Observable(
            bearerToken().then((token) => {
              request.setHeaderParam('Authorization', `Bearer ${token}`);
              return request;
            }),
          );
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      };
      return { middleware: [middleware], middlewareMergeStrategy: 'append' };
    },
    apiFailure: (error) => (error instanceof k8s.ApiException ? (error as ApiException<unknown>) : undefined),
  };
}

export interface KubeClientDeps {
  readonly region: string;
  /** Only for `kubeconfig-secret`; called only then, so that no other mode loads the Secrets Manager SDK. */
  readonly secrets?: () => Promise<SecretsManagerClient>;
}

function fromServer(k8s: ClientNode, server: string, caData: string | undefined, token: string | undefined): KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
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
function allowPlainHttp(k8s: ClientNode, kubeConfig: KubeConfig): KubeConfig {
  if (!kubeConfig.clusters.some((cluster) => cluster.server.startsWith('http://'))) return kubeConfig;
  const adjusted = new k8s.KubeConfig();
  adjusted.loadFromOptions({
    clusters: kubeConfig.clusters.map((cluster) => (cluster.server.startsWith('http://') ? { ...cluster, skipTLSVerify: true } : cluster)),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return adjusted;
}

async function kubeconfigFromSecret(k8s: ClientNode, secretId: string, secrets: KubeClientDeps['secrets']): Promise<KubeConfig> {
  if (!secrets) throw new ConfigError('a Secrets Manager client is needed for KUBECONFIG_SECRET_ID');
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const secret = await (await secrets()).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (secret.SecretString === undefined) throw new ConfigError(`secret ${secretId} holds no kubeconfig text`);
  if (secret.SecretString.trim() === kubeconfigPlaceholder.trim()) {
    throw new ConfigError(`secret ${secretId} still holds the placeholder the stack created: put the kubeconfig of the target cluster in it (README, "Deploy")`);
  }
  const kubeConfig = new k8s.KubeConfig();
  try {
    kubeConfig.loadFromString(secret.SecretString);
  } catch (error) {
    throw new ConfigError(`secret ${secretId} does not hold a kubeconfig: ${(error as Error).message}`, { cause: error });
  }
  if (kubeConfig.getCurrentCluster() === null) throw new ConfigError(`the kubeconfig in secret ${secretId} has no current context with a cluster`);
  return allowPlainHttp(k8s, kubeConfig);
}

/**
 * The one Kubernetes client factory: a kubeconfig file (`KUBECONFIG`, e.g. kind), a kubeconfig from
 * Secrets Manager (`KUBECONFIG_SECRET_ID`, any cluster), EKS with a token minted in-process from the
 * function's IAM role (`EKS_CLUSTER_NAME`, `KUBE_API_URL`, `KUBE_CA_DATA`), or an API URL with a static
 * bearer token (`KUBE_API_URL`, `KUBE_TOKEN`). No CLI runs; cluster CA verification stays on.
 */
export async function createKubeClient(target: KubeTarget, deps: KubeClientDeps): Promise<KubeClient> {
  const k8s = await loadClientNode();
  switch (target.mode) {
    case 'kubeconfig': {
      const kubeConfig = new k8s.KubeConfig();
      kubeConfig.loadFromFile(target.path);
      return clientOf(k8s, allowPlainHttp(k8s, kubeConfig));
    }
    case 'kubeconfig-secret':
      return clientOf(k8s, await kubeconfigFromSecret(k8s, target.secretId, deps.secrets));
    case 'eks': {
      const [{ defaultProvider }, { EksTokenSource }] = await Promise.all([import('@aws-sdk/credential-provider-node'), import('../aws/eks-token.js')]);
      const tokens = new EksTokenSource({ clusterName: target.clusterName, region: deps.region, credentials: defaultProvider() });
      return clientOf(k8s, fromServer(k8s, target.server, target.caData, undefined), () => tokens.token());
    }
    case 'token':
      return clientOf(k8s, fromServer(k8s, target.server, target.caData, target.token));
  }
}
