import type { OwnerFallbackReason as AnyFallbackReason } from '../domain/owner-target.js';
import { type PodOwnerGuess, podOwnerFromName } from '../domain/pod-owner.js';
import type { KubeClient } from './client.js';

/** The workload a pod belongs to, as the API told it. */
export interface PodOwner {
  readonly kind: string;
  readonly name: string;
}

/** Why the name had to be read instead of the API (the decision's reason says so). */
export type OwnerFallbackReason = Exclude<AnyFallbackReason, 'owner-not-looked-up'>;

export type OwnerResolution =
  | { readonly source: 'api'; readonly owner: PodOwner }
  | { readonly source: 'name-pattern'; readonly owner: PodOwnerGuess; readonly reason: OwnerFallbackReason };

interface OwnerReference {
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
}

const controllerOf = (references: readonly OwnerReference[] | undefined): OwnerReference | undefined => references?.find((reference) => reference.controller === true);

/**
 * Finds a pod's controlling workload through ownerReferences: Pod → ReplicaSet → Deployment, Pod → Job →
 * CronJob, Pod → StatefulSet or DaemonSet (or any controller, e.g. a custom one), a pod without a controller
 * being its own. One read per level, no retries: when the API refuses, has no such pod, or fails, the pod's
 * generated name answers instead (lib/domain/pod-owner.ts), with the reason.
 */
export class PodOwnerResolver {
  constructor(
    private readonly clientOf: () => Promise<KubeClient>,
    private readonly timeoutMs = 2_000,
  ) {}

  async resolve(namespace: string, pod: string): Promise<OwnerResolution> {
    const client = await this.clientOf();
    const options = client.callOptions(this.timeoutMs);
    try {
      const { core, apps, batch } = await client.workloads();
      const owner = controllerOf((await core.readNamespacedPod({ namespace, name: pod }, options)).metadata?.ownerReferences);
      if (!owner) return { source: 'api', owner: { kind: 'Pod', name: pod } };
      const parent =
        owner.kind === 'ReplicaSet'
          ? controllerOf((await apps.readNamespacedReplicaSet({ namespace, name: owner.name }, options)).metadata?.ownerReferences)
          : owner.kind === 'Job'
            ? controllerOf((await batch.readNamespacedJob({ namespace, name: owner.name }, options)).metadata?.ownerReferences)
            : undefined;
      const resolved = parent ?? owner;
      return { source: 'api', owner: { kind: resolved.kind, name: resolved.name } };
    } catch (error) {
      const code = client.apiFailure(error)?.code;
      const reason: OwnerFallbackReason = code === 401 || code === 403 ? 'owner-lookup-denied' : code === 404 ? 'owner-not-found' : 'owner-lookup-failed';
      return { source: 'name-pattern', owner: podOwnerFromName(pod), reason };
    }
  }
}
