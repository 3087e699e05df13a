import { InvalidInputError } from '../errors.js';
import { scrubName } from '../domain/secret-scrubber.js';
import { scrubWebhook } from './scrub-webhook.js';
import { defaultWebhookLimits, type WebhookLimits, type WebhookPayload, webhookPayloadSchema } from './webhook-schema.js';

/** Where an issue is, as `alerts[0].labels.pod`; a label name in it is scrubbed like any name (it may be a secret). */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((joined, part) => {
    if (typeof part === 'number') return `${joined}[${part}]`;
    const name = scrubName(String(part));
    return joined === '' ? name : `${joined}.${name}`;
  }, '');
}

/**
 * JSON may carry lone UTF-16 surrogates ("pay\ud800"): legal JSON, but not Unicode, and refused by Lua's
 * cjson, Kubernetes and most log sinks. Every string, names and values, is made well-formed as it is read:
 * a lone surrogate becomes U+FFFD (README, "What intake normalizes").
 */
function wellFormed(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((name) => !name.isWellFormed())) {
    return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name.toWellFormed(), entry as unknown]));
  }
  return value;
}

/** A property of the validated notification's JSON (objects and arrays there), or undefined. */
const member = (value: unknown, name: string | number): unknown => (value as Record<string | number, unknown> | undefined)?.[name];

const hasProtoKey = (value: unknown) => value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__');

/** How a record of the notification is bounded (the schema's rules, for the one entry zod never sees). */
interface RecordRule {
  readonly what: 'label' | 'annotation';
  readonly maxEntries: number;
  readonly maxValueLength: number;
}

/**
 * zod skips a `__proto__` key in a record (a legal label name, and an own property after JSON.parse): the
 * entry would vanish from an accepted alert, unchecked. A record that has one is checked here by the
 * schema's own rules and taken whole from the input (its other entries passed the schema).
 */
function withOwnEntries(validated: Record<string, string>, input: unknown, field: string, rule?: RecordRule): Record<string, string> {
  if (!hasProtoKey(input)) return validated;
  const entries = Object.entries(input as object);
  const value: unknown = Object.getOwnPropertyDescriptor(input, '__proto__')?.value;
  const refuse = (message: string) => new InvalidInputError(`${field}.__proto__: ${message}`, `${field}.__proto__`, 400);
  if (typeof value !== 'string') throw refuse('expected a string');
  if (rule && value.length > rule.maxValueLength) throw refuse(`${rule.what} values are limited to ${rule.maxValueLength} characters`);
  if (rule && entries.length > rule.maxEntries) throw new InvalidInputError(`${field}: at most ${rule.maxEntries} ${rule.what}s per alert`, field, 400);
  return Object.fromEntries(entries as [string, string][]);
}

function keepProtoKeys(payload: WebhookPayload, json: unknown, limits: WebhookLimits): WebhookPayload {
  const rawAlerts = member(json, 'alerts');
  const labelRule: RecordRule = { what: 'label', maxEntries: limits.maxLabelsPerAlert, maxValueLength: limits.maxLabelValueLength };
  const annotationRule: RecordRule = { what: 'annotation', maxEntries: limits.maxLabelsPerAlert, maxValueLength: limits.maxAnnotationValueLength };
  return {
    ...payload,
    groupLabels: withOwnEntries(payload.groupLabels, member(json, 'groupLabels'), 'groupLabels'),
    commonLabels: withOwnEntries(payload.commonLabels, member(json, 'commonLabels'), 'commonLabels'),
    commonAnnotations: withOwnEntries(payload.commonAnnotations, member(json, 'commonAnnotations'), 'commonAnnotations'),
    ...(payload.routeLabels !== undefined && { routeLabels: withOwnEntries(payload.routeLabels, member(json, 'routeLabels'), 'routeLabels') }),
    alerts: payload.alerts.map((alert, index) => ({
      ...alert,
      labels: withOwnEntries(alert.labels, member(member(rawAlerts, index), 'labels'), `alerts[${index}].labels`, labelRule),
      annotations: withOwnEntries(alert.annotations, member(member(rawAlerts, index), 'annotations'), `alerts[${index}].annotations`, annotationRule),
    })),
  };
}

/**
 * Parses and validates a webhook body; the error names the first offending field and never echoes values.
 * What it returns is safe to write anywhere: well-formed strings, secrets scrubbed (scrubWebhook).
 */
export function parseWebhook(body: string, limits: WebhookLimits = defaultWebhookLimits): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(body, wellFormed);
  } catch (error) {
    // V8's message quotes the body; say only where parsing stopped (V8 counts UTF-16 characters).
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = position === undefined ? '' : ` (at character ${position})`;
    throw new InvalidInputError(`body is not valid JSON${where}`, '(body)', 400, { cause: error });
  }
  const parsed = webhookPayloadSchema(limits).safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    // A bad label or annotation name: zod reports "Invalid key in record" at the name itself; name the
    // record and say what is wrong with the name instead (the name may be empty, long, or a secret).
    const keyIssue = issue?.code === 'invalid_key' ? issue.issues[0] : undefined;
    const path = keyIssue ? issue?.path.slice(0, -1) : issue?.path;
    const field = (path && fieldPath(path)) || '(body)';
    throw new InvalidInputError(`${field}: ${(keyIssue ?? issue)?.message ?? 'invalid payload'}`, field, 400, { cause: parsed.error });
  }
  return scrubWebhook(keepProtoKeys(parsed.data, json, limits));
}
