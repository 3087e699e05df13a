import { type KubeClient, createKubeClient } from '../kube/client.js';
import { KubeGuard } from '../kube/kube-guard.js';
import { RemediationRequestWriter } from '../kube/remediation-writer.js';
import { PodOwnerResolver } from '../kube/pod-owner-resolver.js';
import { SignalOwners } from '../dedup/signal-owners.js';
import { requireKube } from '../config/index.js';
import { forgetOnFailure, runtimeConfig, secretsClient } from './clients.js';
import { kubeHealth, ownerCache } from './stores.js';
import { logger } from '../telemetry/logger.js';

/**
 * The Kubernetes side of the process's clients, apart from lib/runtime/clients.ts so that the webhook
 * path (ingest), which never writes to Kubernetes, never loads the Kubernetes client at cold start.
 */
let kube: { client: Promise<KubeClient>; madeAt: number; refreshing: boolean } | undefined;
let writer: RemediationRequestWriter | undefined;
let guard: KubeGuard | undefined;
let owners: SignalOwners | undefined;

// A kubeconfig kept in Secrets Manager may be replaced at any time: warm functions read it again this
// often (keeping the client in use until the new one is made), and at once when the API server refuses
// what the client holds, at most once per refusalGraceMs (a lasting 403 must not read the secret at
// every write, and a late refusal of the previous client must not drop the one just made).
const secretKubeconfigMaxAgeMs = 5 * 60 * 1000;
const refusalGraceMs = 30 * 1000;
let lastForgotAt = Number.NEGATIVE_INFINITY;

function makeKubeClient(): Promise<KubeClient> {
  const config = runtimeConfig();
  return createKubeClient(requireKube(config), { region: config.aws.region, secrets: secretsClient });
}

/** The Kubernetes client; a promise because a kubeconfig may first have to be read from Secrets Manager. */
export function kubeClient(): Promise<KubeClient> {
  if (!kube) {
    const client: Promise<KubeClient> = forgetOnFailure(makeKubeClient(), () => {
      if (kube?.client === client) kube = undefined;
    });
    kube = { client, madeAt: Date.now(), refreshing: false };
  } else if (requireKube(runtimeConfig()).mode === 'kubeconfig-secret' && !kube.refreshing && Date.now() - kube.madeAt >= secretKubeconfigMaxAgeMs) {
    const current = kube;
    current.refreshing = true;
    makeKubeClient().then(
      (fresh) => {
        if (kube === current) kube = { client: Promise.resolve(fresh), madeAt: Date.now(), refreshing: false };
      },
      (error: unknown) => {
        logger.warn('could not read the kubeconfig again; keeping the client in use', { error: String(error) });
        current.refreshing = false;
        current.madeAt = Date.now();
      },
    );
  }
  return kube.client;
}

/** The API server refused the client's credentials or CA: the next call makes it again from its source. */
export function forgetKubeClient(): void {
  const now = Date.now();
  if (now - lastForgotAt < refusalGraceMs) return;
  lastForgotAt = now;
  kube = undefined;
}

/** The writer of this process: every Kubernetes write goes through one guard (retries, circuit breaker). */
export function remediationWriter(): RemediationRequestWriter {
  guard ??= new KubeGuard({ onOpen: (untilMs) => kubeHealth().markUnhealthy(untilMs), onConfigurationRejected: forgetKubeClient });
  writer ??= new RemediationRequestWriter(kubeClient, runtimeConfig().namespace, guard);
  return writer;
}

/** FINGERPRINT_STRATEGY=owner: pods' owners from the API, cached for ingest; otherwise none. */
export function signalOwners(): SignalOwners | undefined {
  if (runtimeConfig().fingerprintStrategy !== 'owner') return undefined;
  owners ??= new SignalOwners({ resolver: new PodOwnerResolver(kubeClient), cache: ownerCache(), now: () => new Date() });
  return owners;
}

/**
 * Forgets what the process learned about the Kubernetes API between invocations (the circuit, the last
 * refusal): the local runtime's tests reset it between tests. The client itself is kept.
 */
export function resetKubeProcessState(): void {
  guard?.reset();
  lastForgotAt = Number.NEGATIVE_INFINITY;
}
