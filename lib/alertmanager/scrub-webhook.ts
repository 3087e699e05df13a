import { scrubName, scrubRecord } from '../domain/secret-scrubber.js';
import type { WebhookPayload } from './webhook-schema.js';

/**
 * The notification with every string that stormgate may write scrubbed (lib/domain/secret-scrubber.ts):
 * label and annotation names and values (alertname, severity, the target's name and namespace are
 * labels), the group key and labels, the receiver and the URLs. Applied once, at the edge: receipts,
 * /v1/signals, RemediationRequests and logs only ever see what comes out of here.
 */
export function scrubWebhook(payload: WebhookPayload): WebhookPayload {
  return {
    ...payload,
    groupKey: scrubName(payload.groupKey),
    receiver: scrubName(payload.receiver),
    groupLabels: scrubRecord(payload.groupLabels),
    commonLabels: scrubRecord(payload.commonLabels),
    commonAnnotations: scrubRecord(payload.commonAnnotations),
    externalURL: scrubName(payload.externalURL),
    ...(payload.routeLabels !== undefined && { routeLabels: scrubRecord(payload.routeLabels) }),
    alerts: payload.alerts.map((alert) => ({
      ...alert,
      labels: scrubRecord(alert.labels),
      annotations: scrubRecord(alert.annotations),
      ...(alert.generatorURL !== undefined && { generatorURL: scrubName(alert.generatorURL) }),
    })),
  };
}
