import { resourceFingerprint } from '../domain/fingerprint.js';
import type { Signal } from '../domain/signal.js';
import { resolveTargetResource } from '../domain/target-resource.js';
import type { WebhookAlert, WebhookPayload } from './webhook-schema.js';

// Alertmanager sends this zero time as endsAt while an alert fires.
const zeroTime = '0001-01-01T00:00:00Z';

export interface NormalizeContext {
  readonly receivedAt: string;
  readonly clusterId?: string;
}

/** Every alert of a notification becomes its own Signal; the envelope status is never used per alert. */
export function normalizeWebhook(payload: WebhookPayload, context: NormalizeContext): Signal[] {
  return payload.alerts.map((alert) => normalizeAlert(alert, payload, context));
}

function normalizeAlert(alert: WebhookAlert, payload: WebhookPayload, context: NormalizeContext): Signal {
  const alertname = alert.labels.alertname ?? '';
  const target = resolveTargetResource(alert.labels, context.clusterId);
  const endsAt = alert.endsAt === undefined || alert.endsAt === zeroTime ? undefined : alert.endsAt;
  return {
    fingerprint: resourceFingerprint(alertname, target),
    alertname,
    status: alert.status,
    severity: alert.labels.severity ?? 'unknown',
    source: 'alertmanager',
    target,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
    ...(endsAt !== undefined && { endsAt }),
    receivedAt: context.receivedAt,
    ...(alert.fingerprint !== undefined && { alertmanagerFingerprint: alert.fingerprint }),
    groupKey: payload.groupKey,
    receiver: payload.receiver,
  };
}
