import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { stringRecordSchema } from '../validation/string-record.js';
import { ownerFallbackReasons } from './owner-target.js';

/** The resource an alert is about; what a remediation would act on. */
export const targetResourceSchema = z.object({
  apiVersion: z.optional(z.string().check(z.minLength(1))),
  kind: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  namespace: z.optional(z.string().check(z.minLength(1))),
});
export type TargetResource = z.infer<typeof targetResourceSchema>;

/**
 * One alert, normalized. Signals cross the ingest → dedup boundary as JSON, so they are a schema,
 * and dedup validates them again at its own edge.
 */
export const signalSchema = z.object({
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  alertname: z.string().check(z.minLength(1)),
  status: z.enum(['firing', 'resolved']),
  severity: z.string().check(z.minLength(1)),
  source: z.literal('alertmanager'),
  target: targetResourceSchema,
  labels: stringRecordSchema,
  annotations: stringRecordSchema,
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.optional(z.iso.datetime({ offset: true })),
  receivedAt: z.iso.datetime({ offset: true }),
  alertmanagerFingerprint: z.optional(z.string()),
  /** Same for an HA peer's copy of the same notification (see deliveryKey). */
  deliveryKey: z.string().check(z.regex(/^[A-Za-z0-9_-]{11}$/)),
  groupKey: z.string(),
  receiver: z.string(),
  /**
   * The namespace of the signal's storm key (absent in cluster scope, or when the alert names none):
   * derived once, with the target, so that windows and aggregated requests never derive it again.
   */
  stormNamespace: z.optional(z.string().check(z.minLength(1))),
  /** FINGERPRINT_STRATEGY=owner, for an alert about a pod: the pod, and where `target` (its owner) came from. */
  owner: z.optional(
    z.object({
      pod: z.string().check(z.minLength(1)),
      source: z.enum(['api', 'name-pattern']),
      reason: z.optional(z.enum(ownerFallbackReasons)),
    }),
  ),
});
export type Signal = z.infer<typeof signalSchema>;
