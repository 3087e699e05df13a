import { createHash } from 'node:crypto';
import { isWorkloadKind } from './owner-target.js';
import type { TargetResource } from './signal.js';

/**
 * How alerts map to signals:
 * - `resource` (default): alertname + namespace + kind + name of the target resource. The same problem on
 *   the same object is one signal however its other labels (instance, pod IP, container …) churn.
 * - `alert`: Alertmanager's own label-set fingerprint. Every distinct label set is its own signal; for
 *   alerts that name no Kubernetes object, or whose labels tell different problems apart (per route,
 *   per queue, per endpoint).
 * - `owner`: as `resource`, with a pod's alerts on the workload that controls it (ownerTargetOf): the pods a
 *   rollout replaces, or a crash-looping Deployment's pods, are one signal. The workload's kind is left out
 *   (a pod, its ReplicaSet, its Deployment are one workload), so the pod's name and the API agree.
 */
export const fingerprintStrategies = ['resource', 'alert', 'owner'] as const;
export type FingerprintStrategy = (typeof fingerprintStrategies)[number];

function sha256(parts: readonly string[]): Buffer {
  // NUL cannot occur in label values that survive JSON + Prometheus, so it separates parts unambiguously.
  return createHash('sha256').update(parts.join('\0')).digest();
}

export interface FingerprintInput {
  /** Tenants never share a signal: the same alert from two tenants is two problems. */
  readonly tenant: string;
  readonly alertname: string;
  readonly namespace: string | undefined;
  readonly target: TargetResource;
  readonly labels: Readonly<Record<string, string>>;
  readonly alertmanagerFingerprint?: string;
}

/**
 * A signal's fingerprint: 16 bytes, 32 hex chars (fits a label value). The first 6 bytes identify the
 * storm key (alertname + namespace) and the last 10 the signal within it, so the Redis key of a signal,
 * which must share a cluster slot with its storm, can be derived from the fingerprint alone.
 */
export function signalFingerprint(strategy: FingerprintStrategy, input: FingerprintInput): string {
  const stormPart = sha256(['storm', input.tenant, input.alertname, input.namespace ?? '']).subarray(0, 6);
  const { target } = input;
  const identity =
    strategy === 'resource'
      ? sha256(['resource', input.tenant, input.alertname, target.namespace ?? '', target.kind, target.name])
      : strategy === 'owner'
        ? sha256(['owner', input.tenant, input.alertname, target.namespace ?? '', isWorkloadKind(target.kind) ? 'workload' : target.kind, target.name])
        : input.alertmanagerFingerprint !== undefined
        ? sha256(['alert', input.tenant, input.alertmanagerFingerprint])
        : sha256(['labels', input.tenant, ...Object.entries(input.labels).sort(([a], [b]) => (a < b ? -1 : 1)).flat()]);
  return Buffer.concat([stormPart, identity.subarray(0, 10)]).toString('hex');
}

/** Targets an alert falls back to when it names no object: alerts about them are told apart by alertname. */
const fallbackKinds: ReadonlySet<string> = new Set(['Namespace', 'Cluster']);

/**
 * A target's identity across its alerts (32 hex chars, a label value): the requests of every alertname
 * about one object are found by it, for the remediation-aware decisions (lib/domain/remediation-gate.ts).
 * A workload's kind is left out, as in owner fingerprints. A namespace or the cluster is what an alert
 * that names no object falls back to, so there the alertname is part of it: unrelated alerts of a
 * namespace never block or count on each other's requests.
 */
export function targetKey(tenant: string, target: TargetResource, alertname: string): string {
  const kind = isWorkloadKind(target.kind) ? 'workload' : target.kind;
  return sha256(['target', tenant, target.namespace ?? '', kind, target.name, fallbackKinds.has(target.kind) ? alertname : ''])
    .subarray(0, 16)
    .toString('hex');
}

/**
 * The Redis hash tag of a signal: its storm key (tenant + alertname + namespace), hashed with the caller's
 * tenant again so that a fingerprint presented by another tenant leads to a key it does not own.
 * 2 base64url chars: 4096 tags are plenty to spread storms over cluster slots; the keys of one storm
 * need to share a slot, not to own one.
 */
export function stormTagOf(tenant: string, fingerprint: string): string {
  return sha256(['tag', tenant, fingerprint.slice(0, 12)]).toString('base64url').slice(0, 2);
}

/**
 * The short, binary-safe form of a signal inside its storm's keys: 6 raw bytes (48 bits; with the tag,
 * a million open signals collide with probability ~1e-6).
 */
export function fingerprintKeyDigest(tenant: string, fingerprint: string): Buffer {
  return sha256(['key', tenant, fingerprint]).subarray(0, 6);
}

export interface DeliveryKeyInput {
  readonly receiver: string;
  readonly groupKey: string;
  readonly alertFingerprint: string;
  readonly startsAt: string;
  readonly status: string;
}

/**
 * Identifies one delivery of one alert: an HA peer's copy of the same notification has the same key, so
 * dedup can tell it from a new occurrence. 8 bytes, 11 base64url chars.
 */
export function deliveryKey(input: DeliveryKeyInput): string {
  return sha256(['delivery', input.receiver, input.groupKey, input.alertFingerprint, input.startsAt, input.status])
    .subarray(0, 8)
    .toString('base64url');
}

/**
 * An alert's identity within its signal: Alertmanager's label-set fingerprint (or the label set itself),
 * as a 32-bit digest with bit 0 clear (the episode record keeps the alert's firing flag there).
 */
export function alertDigest(input: { readonly alertmanagerFingerprint?: string | undefined; readonly labels: Readonly<Record<string, string>> }): number {
  const identity =
    input.alertmanagerFingerprint !== undefined
      ? ['am', input.alertmanagerFingerprint]
      : ['labels', ...Object.entries(input.labels).sort(([a], [b]) => (a < b ? -1 : 1)).flat()];
  return (sha256(identity).readUInt32LE(0) & 0xfffffffe) >>> 0;
}
