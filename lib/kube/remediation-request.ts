import { remediationRequestName } from '../domain/dedup-decision.js';
import type { Signal, TargetResource } from '../domain/signal.js';

export const remediationRequestResource = {
  group: 'remediation.stormgate.dev',
  version: 'v1alpha1',
  plural: 'remediationrequests',
  kind: 'RemediationRequest',
} as const;

export const fingerprintLabel = 'stormgate.dev/fingerprint';
export const tenantLabel = 'stormgate.dev/tenant';

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
}

export interface RemediationRequestStatus {
  deduplication?: { occurrenceCount: number; firstSeenAt: string; lastSeenAt: string };
  signal?: { state: 'Firing' | 'Resolved'; resolvedAt?: string };
}

export interface RemediationRequest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: RemediationRequestSpec;
}

/** The RemediationRequest for one episode of one signal. `spec` is written once and never changed. */
export interface RemediationRequestPlacement {
  readonly namespace: string;
  readonly tenant: string;
  readonly clusterId?: string;
}

export function buildRemediationRequest(signal: Signal, episodeStartMs: number, placement: RemediationRequestPlacement): RemediationRequest {
  const { namespace, tenant, clusterId } = placement;
  return {
    apiVersion: `${remediationRequestResource.group}/${remediationRequestResource.version}`,
    kind: remediationRequestResource.kind,
    metadata: {
      name: remediationRequestName(signal.fingerprint, episodeStartMs),
      namespace,
      labels: { [fingerprintLabel]: signal.fingerprint, [tenantLabel]: tenant, 'app.kubernetes.io/managed-by': 'stormgate' },
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
    },
  };
}
