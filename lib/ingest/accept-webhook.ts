import { normalizeWebhook, podKey, podsOf } from '../alertmanager/normalize.js';
import { parseWebhook } from '../alertmanager/parse-webhook.js';
import type { WebhookLimits } from '../alertmanager/webhook-schema.js';
import type { FingerprintStrategy } from '../domain/fingerprint.js';
import type { KnownOwner, OwnerNote } from '../domain/owner-target.js';
import type { TargetResource } from '../domain/signal.js';
import { pinningGroupLabels, type StormScope } from '../domain/storm.js';
import { KubeUnavailableError, RateBudgetExceededError } from '../errors.js';
import type { RateBudgetVerdict } from '../redis/rate-budget.js';
import { logger } from '../telemetry/logger.js';
import { addMetric } from '../telemetry/metrics.js';
import { fitSignal } from './split-batch.js';
import type { BatchHandoff } from './dedup-handoff.js';

export interface AcceptWebhookInput {
  readonly body: string;
  readonly tenant: string;
  readonly requestId: string;
  readonly receivedAt: Date;
  /** Aborts when the function must stop waiting for the hand-off and answer (503) while it still can. */
  readonly answerDeadline?: AbortSignal;
}

export interface ReceiptEntry {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly status: 'firing' | 'resolved';
  readonly target: TargetResource;
  /** What happens next: firing alerts are deduplicated (new request or counted), resolved ones close theirs. */
  readonly next: 'deduplicate' | 'resolve';
  /** Where the decision about this signal can be read once dedup has made it. */
  readonly decision: string;
  /** FINGERPRINT_STRATEGY=owner: the pod the alert is about, and where its owner (the target) came from. */
  readonly owner?: OwnerNote;
}

export interface Receipt {
  readonly requestId: string;
  readonly groupKey: string;
  readonly accepted: number;
  readonly truncatedAlerts: number;
  readonly alerts: readonly ReceiptEntry[];
}

export interface AcceptWebhookDeps {
  readonly handoff: BatchHandoff;
  readonly rateBudget: { take(tenant: string, alerts: number): Promise<RateBudgetVerdict> };
  /** Whether the Kubernetes API is known to be failing (an open circuit somewhere). */
  readonly kubeHealth: { blockedForMs(): Promise<number> };
  readonly limits: WebhookLimits;
  readonly strategy: FingerprintStrategy;
  readonly stormScope: StormScope;
  readonly clusterId?: string;
  /** FINGERPRINT_STRATEGY=owner: the pods' owners dedup looked up (lib/redis/owner-cache.ts). */
  readonly owners?: {
    lookup(tenant: string, pods: readonly { namespace: string; pod: string }[], now: number, keyOf: typeof podKey): Promise<Map<string, KnownOwner>>;
  };
}

/**
 * Ingest use case: validate (nothing invalid touches Redis), charge the tenant's budget, refuse (503) while
 * the Kubernetes API is known to be failing, normalize every
 * alert into a Signal, hand the batch to dedup. The receipt is returned only after the hand-off
 * succeeded, so a 2xx always means the alerts are durably queued.
 */
export async function acceptWebhook(input: AcceptWebhookInput, deps: AcceptWebhookDeps): Promise<Receipt> {
  const payload = parseWebhook(input.body, deps.limits);
  const pods = deps.strategy === 'owner' && deps.owners ? podsOf(payload, deps.clusterId) : [];
  const [verdict, kubeBlockedMs, owners] = await Promise.all([
    deps.rateBudget.take(input.tenant, payload.alerts.length),
    deps.kubeHealth.blockedForMs(),
    pods.length > 0 && deps.owners ? deps.owners.lookup(input.tenant, pods, Math.floor(input.receivedAt.getTime() / 1000), podKey) : undefined,
  ]);
  // Fail fast while the API server is failing: Alertmanager retries, and re-sends firing alerts anyway.
  if (kubeBlockedMs > 0) throw new KubeUnavailableError(kubeBlockedMs);
  if (!verdict.allowed) throw new RateBudgetExceededError(input.tenant, verdict.retryAfterMs);

  const signals = normalizeWebhook(payload, {
    tenant: input.tenant,
    receivedAt: input.receivedAt.toISOString(),
    strategy: deps.strategy,
    stormScope: deps.stormScope,
    ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
    ...(owners !== undefined && { owners }),
  }).map((signal) => fitSignal(signal));
  await deps.handoff.send({
    tenant: input.tenant,
    requestId: input.requestId,
    truncatedAlerts: payload.truncatedAlerts,
    groupLabels: pinningGroupLabels(payload.groupLabels),
    signals,
  }, input.answerDeadline);
  addMetric('AlertsReceived', signals.length);
  logger.info('notification accepted', {
    requestId: input.requestId,
    tenant: input.tenant,
    groupKey: payload.groupKey,
    alerts: signals.length,
    truncatedAlerts: payload.truncatedAlerts,
  });
  return {
    requestId: input.requestId,
    groupKey: payload.groupKey,
    accepted: signals.length,
    truncatedAlerts: payload.truncatedAlerts,
    alerts: signals.map((signal) => ({
      fingerprint: signal.fingerprint,
      alertname: signal.alertname,
      status: signal.status,
      target: signal.target,
      next: signal.status === 'firing' ? 'deduplicate' : 'resolve',
      decision: `/v1/signals/${signal.fingerprint}`,
      ...(signal.owner !== undefined && { owner: signal.owner }),
    })),
  };
}
