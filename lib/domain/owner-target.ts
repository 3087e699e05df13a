import { controllerOwnerFromName, type PodOwnerGuess, podOwnerFromName } from './pod-owner.js';
import type { TargetResource } from './signal.js';

/** Where an owner came from: the Kubernetes API (ownerReferences), or the pod's generated name. */
export type OwnerSource = 'api' | 'name-pattern';

/**
 * Why a pod's owner was read from its name: not looked up yet (ingest has no Kubernetes client; dedup looks
 * it up before a request is made), or the lookup was refused, found no pod, or failed.
 */
export const ownerFallbackReasons = ['owner-not-looked-up', 'owner-lookup-denied', 'owner-not-found', 'owner-lookup-failed'] as const;
export type OwnerFallbackReason = (typeof ownerFallbackReasons)[number];

/** A pod's controlling workload as known (cached from the API, or the name's answer with the reason). */
export interface KnownOwner {
  readonly kind: string;
  readonly name: string;
  readonly source: OwnerSource;
  readonly reason?: OwnerFallbackReason;
}

/** How an owner-strategy signal came by its target: the pod it was observed on, and the owner's source. */
export interface OwnerNote {
  readonly pod: string;
  readonly source: OwnerSource;
  readonly reason?: OwnerFallbackReason;
}

const workloadApiVersions: Readonly<Record<string, string>> = {
  Pod: 'v1',
  ReplicationController: 'v1',
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

/** The kinds alerts name that are no workload (lib/domain/target-resource.ts, and its fallbacks). */
const nonWorkloadKinds: ReadonlySet<string> = new Set(['PersistentVolumeClaim', 'HorizontalPodAutoscaler', 'Ingress', 'Node', 'PersistentVolume', 'Service', 'Namespace', 'Cluster']);

/**
 * Kinds that are one workload under different names (a pod, its ReplicaSet, its Deployment, or any
 * controller the API names, such as an Argo Rollout): owner fingerprints leave their kind out, so that
 * the name's guess and the API's answer make the same signal.
 */
export function isWorkloadKind(kind: string): boolean {
  return !nonWorkloadKinds.has(kind);
}

/**
 * Pure: the target an alert is about under `FINGERPRINT_STRATEGY=owner`. A pod is replaced by the workload
 * that controls it (from `known`, else from its generated name, noted as not looked up yet); a ReplicaSet
 * or Job named as a Deployment's or CronJob's is replaced by that; any other target stays as it is.
 */
export function ownerTargetOf(target: TargetResource, known: KnownOwner | undefined): { readonly target: TargetResource; readonly owner?: OwnerNote } {
  const namespace = target.namespace === undefined ? {} : { namespace: target.namespace };
  if (target.kind === 'Pod') {
    const owner = known ?? knownFromName(podOwnerFromName(target.name), 'owner-not-looked-up');
    const apiVersion = workloadApiVersions[owner.kind];
    return {
      target: { ...(apiVersion !== undefined && { apiVersion }), kind: owner.kind, name: owner.name, ...namespace },
      owner: { pod: target.name, source: owner.source, ...(owner.reason !== undefined && { reason: owner.reason }) },
    };
  }
  const parent = controllerOwnerFromName(target.kind, target.name);
  return { target: parent ? { apiVersion: workloadApiVersions[parent.kind], ...parent, ...namespace } : target };
}

/** What a pod's name tells of its owner, as known: its most likely kind, and why the name had to answer. */
export function knownFromName(guess: PodOwnerGuess, reason: OwnerFallbackReason): KnownOwner {
  return { kind: guess.kinds[0] ?? 'Pod', name: guess.name, source: 'name-pattern', reason };
}
