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
let kube: Promise<KubeClient> | undefined;
let writer: RemediationRequestWriter | undefined;
let guard: KubeGuard | undefined;

/** The Kubernetes client; a promise because a kubeconfig may first have to be read from Secrets Manager. */
export function kubeClient(): Promise<KubeClient> {
  const config = runtimeConfig();
  kube ??= forgetOnFailure(createKubeClient(requireKube(config), { region: config.aws.region, secrets: secretsClient }), () => {
    kube = undefined;
  });
  return kube;
}

/** The writer of this process: every Kubernetes write goes through one guard (retries, circuit breaker). */
export function remediationWriter(): RemediationRequestWriter {
  guard ??= new KubeGuard({ onOpen: (untilMs) => kubeHealth().markUnhealthy(untilMs) });
  writer ??= new RemediationRequestWriter(kubeClient, runtimeConfig().namespace, guard);
  return writer;
}

/** Closes the process's Kubernetes circuit: the local runtime's tests reset it between tests. */
export function resetKubeBreaker(): void {
  guard?.reset();
}
