import * as z from 'zod/mini';
import '../validation/english-messages.js';

/** Hard limits on what a notification may carry; beyond them the request is refused with a 400. */
export interface WebhookLimits {
  readonly maxAlerts: number;
  readonly maxLabelsPerAlert: number;
  readonly maxLabelValueLength: number;
  readonly maxAnnotationValueLength: number;
}

export const defaultWebhookLimits: WebhookLimits = {
  maxAlerts: 1000,
  maxLabelsPerAlert: 64,
  maxLabelValueLength: 1024,
  maxAnnotationValueLength: 16_384,
};

const maxNameLength = 256;

function boundedRecord(what: 'label' | 'annotation', maxEntries: number, maxValueLength: number) {
  return z
    .record(
      z.string().check(z.minLength(1, `${what} names must not be empty`), z.maxLength(maxNameLength, `${what} names are limited to ${maxNameLength} characters`)),
      z.string().check(z.maxLength(maxValueLength, `${what} values are limited to ${maxValueLength} characters`)),
    )
    .check(z.refine((record) => Object.keys(record).length <= maxEntries, `at most ${maxEntries} ${what}s per alert`));
}

const groupLabelSet = z.record(z.string(), z.string());

function buildSchema(limits: WebhookLimits) {
  const alert = z.object({
    status: z.enum(['firing', 'resolved']),
    labels: boundedRecord('label', limits.maxLabelsPerAlert, limits.maxLabelValueLength).check(
      z.refine((labels) => (labels.alertname ?? '') !== '', { message: 'alertname label is required', path: ['alertname'] }),
    ),
    annotations: z._default(boundedRecord('annotation', limits.maxLabelsPerAlert, limits.maxAnnotationValueLength), {}),
    startsAt: z.iso.datetime({ offset: true }),
    // 0001-01-01T00:00:00Z while firing.
    endsAt: z.optional(z.iso.datetime({ offset: true })),
    generatorURL: z.optional(z.string().check(z.maxLength(4096))),
    // Alertmanager's label-set fingerprint, 16 hex chars.
    fingerprint: z.optional(z.string().check(z.regex(/^[0-9a-f]{1,64}$/, 'fingerprint must be hex'))),
  });

  return z.object({
    version: z.literal('4', { error: 'unsupported webhook version: only "4" is accepted' }),
    groupKey: z.string().check(z.maxLength(8192)),
    // Alerts Alertmanager dropped because of max_alerts: a storm signal in itself.
    truncatedAlerts: z._default(z.int().check(z.nonnegative()), 0),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().check(z.maxLength(1024)),
    groupLabels: z._default(groupLabelSet, {}),
    commonLabels: z._default(groupLabelSet, {}),
    commonAnnotations: z._default(groupLabelSet, {}),
    externalURL: z._default(z.string().check(z.maxLength(4096)), ''),
    // Why this notification was sent (newer Alertmanager versions).
    notification_reason: z.optional(z.string().check(z.maxLength(256))),
    // The labels of the route that matched (newer Alertmanager versions).
    routeLabels: z.optional(groupLabelSet),
    alerts: z
      .array(alert)
      .check(
        z.minLength(1, 'a notification carries at least one alert'),
        z.maxLength(limits.maxAlerts, `at most ${limits.maxAlerts} alerts per request; lower max_alerts in the receiver`),
      ),
  });
}

export type WebhookPayload = z.infer<ReturnType<typeof buildSchema>>;
export type WebhookAlert = WebhookPayload['alerts'][number];

const schemas = new Map<string, ReturnType<typeof buildSchema>>();

/** The webhook body Alertmanager posts (payload version 4), with the given limits. */
export function webhookPayloadSchema(limits: WebhookLimits = defaultWebhookLimits): ReturnType<typeof buildSchema> {
  const key = JSON.stringify(limits);
  let schema = schemas.get(key);
  if (!schema) {
    schema = buildSchema(limits);
    schemas.set(key, schema);
  }
  return schema;
}
