import { normalizeWebhook } from '../alertmanager/normalize.js';
import { parseWebhook } from '../alertmanager/parse-webhook.js';
import type { TargetResource } from '../domain/signal.js';
import type { BatchHandoff } from './dedup-handoff.js';

export interface AcceptWebhookInput {
  readonly body: string;
  readonly tenant: string;
  readonly requestId: string;
  readonly receivedAt: Date;
}

export interface ReceiptEntry {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly status: 'firing' | 'resolved';
  readonly target: TargetResource;
  readonly disposition: 'queued';
}

export interface Receipt {
  readonly requestId: string;
  readonly groupKey: string;
  readonly accepted: number;
  readonly alerts: readonly ReceiptEntry[];
}

export interface AcceptWebhookDeps {
  readonly handoff: BatchHandoff;
  readonly clusterId?: string;
}

/**
 * Ingest use case: validate, normalize every alert into a Signal, hand the batch to dedup. Returns the
 * receipt only after the hand-off succeeded, so a 2xx always means the alerts are durably queued.
 */
export async function acceptWebhook(input: AcceptWebhookInput, deps: AcceptWebhookDeps): Promise<Receipt> {
  const payload = parseWebhook(input.body);
  const signals = normalizeWebhook(payload, {
    receivedAt: input.receivedAt.toISOString(),
    ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
  });
  await deps.handoff.send({ tenant: input.tenant, requestId: input.requestId, signals });
  return {
    requestId: input.requestId,
    groupKey: payload.groupKey,
    accepted: signals.length,
    alerts: signals.map((signal) => ({
      fingerprint: signal.fingerprint,
      alertname: signal.alertname,
      status: signal.status,
      target: signal.target,
      disposition: 'queued',
    })),
  };
}
