import { crdLimits, fitField, fitValues } from '../domain/crd-fields.js';
import { remediationRequestName } from '../domain/request-name.js';
import { largestFittingLimit, requestJsonByteBudget, shortestFittedValue } from '../domain/request-size.js';
import { deduplicationStatus, type RequestStatus, resolvedSignal } from '../domain/request-status.js';
import { targetKey } from '../domain/fingerprint.js';
import type { Signal, TargetResource } from '../domain/signal.js';
import { resourceFromLabel, stormPartOf, type StormSnapshot, type StormTrigger } from '../domain/storm.js';
import { isoSeconds } from '../domain/time.js';

export const remediationRequestResource = {
  group: 'remediation.stormgate.dev',
  version: 'v1alpha1',
  plural: 'remediationrequests',
  kind: 'RemediationRequest',
} as const;

export const fingerprintLabel = 'stormgate.dev/fingerprint';
export const tenantLabel = 'stormgate.dev/tenant';
export const stormLabel = 'stormgate.dev/storm';
/** The storm key (its 12-hex part of the fingerprint) on every request: lost state finds requests by it. */
export const stormKeyLabel = 'stormgate.dev/storm-key';
/** The target's identity (targetKey) on every individual request: a new episode finds the target's earlier requests by it. */
export const targetLabel = 'stormgate.dev/target';
/** FINGERPRINT_STRATEGY=owner: the pod the alert was about (the target names its owner). */
export const observedPodAnnotation = 'stormgate.dev/observed-pod';
/** FINGERPRINT_STRATEGY=owner: `api` (ownerReferences), or `name-pattern: <reason>` (the pod's generated name). */
export const ownerSourceAnnotation = 'stormgate.dev/owner-source';

export interface RemediationRequestSpec {
  signalFingerprint: string;
  signalName: string;
  severity: string;
  signalSource: string;
  targetResource: TargetResource;
  firingTime: string;
  receivedTime: string;
  signalLabels: Record<string, string>;
  signalAnnotations: Record<string, string>;
  clusterID?: string;
  previousRequest?: string;
  storm?: {
    stormKey: string;
    alertCount: number;
    resourceCount: number;
    affectedResources: TargetResource[];
    affectedResourcesTruncated: boolean;
    commonLabels: Record<string, string>;
    windowStart: string;
    windowEnd: string;
    trigger: StormTrigger;
  };
}

export interface RemediationRequest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: RemediationRequestSpec;
}

/** The RemediationRequest for one episode of one signal. `spec` is written once and never changed. */
export interface RemediationRequestPlacement {
  readonly namespace: string;
  readonly tenant: string;
  readonly clusterId?: string;
  /** The target's request before this one (spec.previousRequest). */
  readonly previousRequest?: string;
}

const jsonBytes = (request: RemediationRequest) => Buffer.byteLength(JSON.stringify(request));

/**
 * The request as built when its JSON fits requestJsonByteBudget; otherwise with label and annotation
 * values cut (halving their length until it fits), then with fewer affected resources listed (the list
 * marked truncated). Only a request that would break etcd's limit changes.
 */
export function withinStorageLimit(request: RemediationRequest): RemediationRequest {
  if (jsonBytes(request) <= requestJsonByteBudget) return request;
  const { spec } = request;
  const valuesCut = (max: number): RemediationRequest => ({
    ...request,
    spec: {
      ...spec,
      signalLabels: fitValues(spec.signalLabels, max),
      signalAnnotations: fitValues(spec.signalAnnotations, max),
      ...(spec.storm && { storm: { ...spec.storm, commonLabels: fitValues(spec.storm.commonLabels, max) } }),
    },
  });
  const valueLimit = largestFittingLimit((max) => jsonBytes(valuesCut(max)), crdLimits.annotationValue, shortestFittedValue, requestJsonByteBudget);
  const shortened = valuesCut(valueLimit);
  const storm = shortened.spec.storm;
  if (!storm || jsonBytes(shortened) <= requestJsonByteBudget) return shortened;
  const listing = (count: number): RemediationRequest => ({
    ...shortened,
    spec: { ...shortened.spec, storm: { ...storm, affectedResources: storm.affectedResources.slice(0, count), affectedResourcesTruncated: storm.affectedResourcesTruncated || count < storm.affectedResources.length } },
  });
  return listing(largestFittingLimit((count) => jsonBytes(listing(count)), storm.affectedResources.length, 0, requestJsonByteBudget));
}

export function buildRemediationRequest(signal: Signal, episodeStartMs: number, placement: RemediationRequestPlacement): RemediationRequest {
  const { namespace, tenant, clusterId } = placement;
  return withinStorageLimit({
    apiVersion: `${remediationRequestResource.group}/${remediationRequestResource.version}`,
    kind: remediationRequestResource.kind,
    metadata: {
      name: remediationRequestName(signal.fingerprint, episodeStartMs),
      namespace,
      labels: {
        [fingerprintLabel]: signal.fingerprint,
        [stormKeyLabel]: stormPartOf(signal.fingerprint),
        [targetLabel]: targetKey(tenant, signal.target, signal.alertname),
        [tenantLabel]: tenant,
        'app.kubernetes.io/managed-by': 'stormgate',
      },
      ...(signal.owner !== undefined && {
        annotations: {
          [observedPodAnnotation]: signal.owner.pod,
          [ownerSourceAnnotation]: signal.owner.reason === undefined ? signal.owner.source : `${signal.owner.source}: ${signal.owner.reason}`,
        },
      }),
    },
    spec: {
      signalFingerprint: signal.fingerprint,
      signalName: signal.alertname,
      severity: signal.severity,
      signalSource: signal.source,
      targetResource: signal.target,
      firingTime: signal.startsAt,
      receivedTime: signal.receivedAt,
      signalLabels: signal.labels,
      signalAnnotations: signal.annotations,
      ...(clusterId !== undefined && { clusterID: clusterId }),
      ...(placement.previousRequest !== undefined && { previousRequest: placement.previousRequest }),
    },
  });
}


/** The ONE RemediationRequest for a storm window: what stormed, where, how much, and which resources. */
export function buildStormRemediationRequest(stormFingerprint: string, stormPart: string, storm: StormSnapshot, placement: RemediationRequestPlacement): RemediationRequest {
  const { namespace, tenant, clusterId } = placement;
  const resourceCount = storm.resources.length + storm.resourcesBeyondCap;
  // An empty namespace (a record written before namespaces were checked) is no namespace.
  const stormNamespace = storm.namespace === '' ? undefined : storm.namespace;
  const target: TargetResource =
    stormNamespace !== undefined ? { apiVersion: 'v1', kind: 'Namespace', name: stormNamespace } : { kind: 'Cluster', name: clusterId ?? 'cluster' };
  return withinStorageLimit({
    apiVersion: `${remediationRequestResource.group}/${remediationRequestResource.version}`,
    kind: remediationRequestResource.kind,
    metadata: {
      name: remediationRequestName(stormFingerprint, storm.start),
      namespace,
      labels: {
        [fingerprintLabel]: stormFingerprint,
        [stormKeyLabel]: stormPart,
        [tenantLabel]: tenant,
        [stormLabel]: 'true',
        'app.kubernetes.io/managed-by': 'stormgate',
      },
    },
    spec: {
      signalFingerprint: stormFingerprint,
      signalName: storm.alertname,
      severity: storm.severity,
      signalSource: 'alertmanager',
      targetResource: target,
      firingTime: isoSeconds(storm.start),
      receivedTime: isoSeconds(storm.start),
      signalLabels: storm.commonLabels,
      signalAnnotations: { summary: `${storm.alertCount} alerts from ${resourceCount} resources (${storm.alertname})` },
      ...(clusterId !== undefined && { clusterID: clusterId }),
      storm: {
        stormKey: fitField(`${storm.alertname}/${stormNamespace ?? '*'}`, crdLimits.stormKey),
        alertCount: Math.max(storm.alertCount, 1),
        resourceCount: Math.max(resourceCount, 1),
        affectedResources: storm.resources.map((label) => resourceFromLabel(label, stormNamespace)),
        affectedResourcesTruncated: storm.resourcesBeyondCap > 0,
        commonLabels: storm.commonLabels,
        windowStart: isoSeconds(storm.start),
        windowEnd: isoSeconds(storm.lastNewResource),
        trigger: storm.trigger,
      },
    },
  });
}

/** What a storm episode's aggregated request shows in status: its members, alerts and resources so far. */
export function stormRequestStatus(storm: StormSnapshot, now: number): RequestStatus {
  return {
    deduplication: deduplicationStatus(storm.alertCount, storm.start, storm.lastSeen),
    signal: storm.ended ? resolvedSignal(now) : { state: 'Firing' },
    storm: {
      members: storm.members,
      alertCount: storm.alertCount,
      resourceCount: storm.resources.length + storm.resourcesBeyondCap,
      resolvedMembers: storm.resolved,
    },
  };
}
