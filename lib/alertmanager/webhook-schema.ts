import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

/** One alert of an Alertmanager webhook notification (payload version 4). */
export const webhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((labels) => (labels.alertname ?? '') !== '', {
    message: 'alertname label is required',
    path: ['alertname'],
  }),
  annotations: labelSet.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  // 0001-01-01T00:00:00Z while firing.
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

/** The webhook body Alertmanager posts (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: 'unsupported webhook version: only "4" is accepted' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(webhookAlertSchema).min(1, 'a notification carries at least one alert'),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;
