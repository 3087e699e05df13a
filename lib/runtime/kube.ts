import { type KubeClient, createKubeClient } from '../kube/client.js';
import { KubeGuard } from '../kube/kube-guard.js';
import { RemediationRequestWriter } from '../kube/remediation-writer.js';
import { requireKube } from '../config/index.js';
import { forgetOnFailure, runtimeConfig, secretsClient } from './clients.js';
import { kubeHealth } from './stores.js';

/**
 * The Kubernetes side of the process's clients, apart from lib/runtime/clients.ts so that the webhook
 * path (ingest), which never writes to Kubernetes, never loads the Kubernetes client at cold start.
 */
let kube: { client: Promise<KubeClient>; madeAt: number } | undefined;
let writer: RemediationRequestWriter | undefined;
let guard: KubeGuard | undefined;

// A kubeconfig kept in Secrets Manager may be replaced at any time: warm functions read it again this
// often, and at once when the API server refuses what it holds (forgetKubeClient).
const secretKubeconfigMaxAgeMs = 5 * 60 * 1000;

/** The Kubernetes client; a promise because a kubeconfig may first have to be read from Secrets Manager. */
export function kubeClient(): Promise<KubeClient> {
  const config = runtimeConfig();
  const target = requireKube(config);
  if (kube && target.mode === 'kubeconfig-secret' && Date.now() - kube.madeAt >= secretKubeconfigMaxAgeMs) kube = undefined;
  if (!kube) {
    const client: Promise<KubeClient> = forgetOnFailure(createKubeClient(target, { region: config.aws.region, secrets: secretsClient }), () => {
      if (kube?.client === client) kube = undefined;
    });
    kube = { client, madeAt: Date.now() };
  }
  return kube.client;
}

/** The next call makes the client again from its source (the API server refused its credentials or CA). */
export function forgetKubeClient(): void {
  kube = undefined;
}

/** The writer of this process: every Kubernetes write goes through one guard (retries, circuit breaker). */
export function remediationWriter(): RemediationRequestWriter {
  guard ??= new KubeGuard({ onOpen: (untilMs) => kubeHealth().markUnhealthy(untilMs), onConfigurationRejected: forgetKubeClient });
  writer ??= new RemediationRequestWriter(kubeClient, runtimeConfig().namespace, guard);
  return writer;
}

/** Closes the process's Kubernetes circuit: the local runtime's tests reset it between tests. */
export function resetKubeBreaker(): void {
  guard?.reset();
}
