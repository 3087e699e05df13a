import { crdLimits, fitField, fitValues } from '../domain/crd-fields.js';
import { deliveryKey, type FingerprintStrategy, signalFingerprint } from '../domain/fingerprint.js';
import { type KnownOwner, ownerTargetOf } from '../domain/owner-target.js';
import type { Signal } from '../domain/signal.js';
import type { StormScope } from '../domain/storm.js';
import { namespaceOf, resolveTargetResource } from '../domain/target-resource.js';
import type { WebhookAlert, WebhookPayload } from './webhook-schema.js';

// Alertmanager sends this zero time as endsAt while an alert fires.
const zeroTime = '0001-01-01T00:00:00Z';

/** Annotation values longer than this are cut before they reach etcd (descriptions can be long). */
export const annotationValueCap = 2_048;
/** What ends a value intake cut to fit (annotations here; any value in a too-large hand-off). */
export const truncationMarker = '… [truncated]';

export interface NormalizeContext {
  readonly tenant: string;
  readonly receivedAt: string;
  readonly strategy: FingerprintStrategy;
  /** Storms are per namespace (default) or cluster-wide: decides the storm part of fingerprints. */
  readonly stormScope?: StormScope;
  readonly clusterId?: string;
  /** FINGERPRINT_STRATEGY=owner: pods' owners known from the cache, by podKey. */
  readonly owners?: ReadonlyMap<string, KnownOwner>;
}

/** How a pod is found in NormalizeContext.owners. */
export const podKey = (namespace: string, pod: string): string => `${namespace}\0${pod}`;

/** The pods (namespace and name) the alerts of a notification are about: whose owners are worth reading. */
export function podsOf(payload: WebhookPayload, clusterId?: string): { namespace: string; pod: string }[] {
  return payload.alerts.flatMap((alert) => {
    const target = resolveTargetResource(alert.labels, clusterId);
    return target.kind === 'Pod' && target.namespace !== undefined ? [{ namespace: target.namespace, pod: target.name }] : [];
  });
}

function capValue(value: string): string {
  const characters = [...value];
  return characters.length <= annotationValueCap
    ? value
    : characters.slice(0, annotationValueCap - truncationMarker.length).join('') + truncationMarker;
}

/** Every alert of a notification becomes its own Signal; the envelope status is never used per alert. */
export function normalizeWebhook(payload: WebhookPayload, context: NormalizeContext): Signal[] {
  return payload.alerts.map((alert) => normalizeAlert(alert, payload, context));
}

function normalizeAlert(alert: WebhookAlert, payload: WebhookPayload, context: NormalizeContext): Signal {
  const alertname = fitField(alert.labels.alertname ?? '', crdLimits.signalName);
  const resource = resolveTargetResource(alert.labels, context.clusterId);
  const { target, owner } =
    context.strategy === 'owner'
      ? ownerTargetOf(resource, resource.kind === 'Pod' && resource.namespace !== undefined ? context.owners?.get(podKey(resource.namespace, resource.name)) : undefined)
      : { target: resource, owner: undefined };
  const endsAt = alert.endsAt === undefined || alert.endsAt === zeroTime ? undefined : alert.endsAt;
  const stormNamespace = context.stormScope === 'cluster' ? undefined : namespaceOf(alert.labels);
  const fingerprint = signalFingerprint(context.strategy, {
    tenant: context.tenant,
    alertname,
    namespace: stormNamespace,
    target,
    labels: alert.labels,
    ...(alert.fingerprint !== undefined && { alertmanagerFingerprint: alert.fingerprint }),
  });
  return {
    fingerprint,
    alertname,
    status: alert.status,
    severity: fitField(alert.labels.severity || 'unknown', crdLimits.severity),
    source: 'alertmanager',
    target,
    // Scrubbing (parseWebhook) may lengthen a value ("[REDACTED]"): fitted after it.
    labels: fitValues(alert.labels, crdLimits.labelValue),
    annotations: Object.fromEntries(Object.entries(alert.annotations).map(([key, value]) => [key, capValue(value)])),
    startsAt: alert.startsAt,
    ...(endsAt !== undefined && { endsAt }),
    receivedAt: context.receivedAt,
    ...(alert.fingerprint !== undefined && { alertmanagerFingerprint: alert.fingerprint }),
    deliveryKey: deliveryKey({
      receiver: payload.receiver,
      groupKey: payload.groupKey,
      alertFingerprint: alert.fingerprint ?? fingerprint,
      startsAt: alert.startsAt,
      status: alert.status,
    }),
    groupKey: payload.groupKey,
    receiver: payload.receiver,
    ...(stormNamespace !== undefined && { stormNamespace }),
    ...(owner !== undefined && { owner }),
  };
}
