import { type KnownOwner, knownFromName, ownerTargetOf } from '../domain/owner-target.js';
import type { Signal } from '../domain/signal.js';
import type { OwnerResolution } from '../kube/pod-owner-resolver.js';
import type { OwnerCache } from '../redis/owner-cache.js';
import { logger } from '../telemetry/logger.js';

export interface SignalOwnersDeps {
  readonly resolver: { resolve(namespace: string, pod: string): Promise<OwnerResolution> };
  readonly cache: OwnerCache;
  readonly now: () => Date;
}

const knownFrom = (resolution: OwnerResolution): KnownOwner =>
  resolution.source === 'api'
    ? { kind: resolution.owner.kind, name: resolution.owner.name, source: 'api' }
    : knownFromName(resolution.owner, resolution.reason);

/**
 * FINGERPRINT_STRATEGY=owner: before a request is made for a pod's signal whose owner ingest read from
 * the pod's name (no cached answer), asks the API once and caches the answer for ingest, so that a pod
 * is looked up at most once per cache TTL. The signal keeps its fingerprint: when the API names the
 * same owner (the rule for standard workloads) the target takes the API's kind; when it names another,
 * this episode stays on the name's owner and later deliveries use the API's.
 */
export class SignalOwners {
  constructor(private readonly deps: SignalOwnersDeps) {}

  async resolve(tenant: string, signal: Signal): Promise<Signal> {
    const { owner, target } = signal;
    if (owner?.reason !== 'owner-not-looked-up' || target.namespace === undefined) return signal;
    const namespace = target.namespace;
    const known = knownFrom(await this.deps.resolver.resolve(namespace, owner.pod));
    try {
      const cached = await this.deps.cache.remember(tenant, { namespace, pod: owner.pod }, known, Math.floor(this.deps.now().getTime() / 1000));
      if (!cached) logger.warn('owner cache of the namespace is full; the pod will be looked up again', { tenant, namespace, pod: owner.pod });
    } catch (error) {
      // The request matters more than the cache: the next delivery reads the name again.
      logger.warn('could not cache a pod owner', { tenant, namespace, pod: owner.pod, error: String(error) });
    }
    if (known.name !== target.name) {
      logger.info('the API names another owner than the pod name; later deliveries use the API’s', {
        fingerprint: signal.fingerprint,
        pod: owner.pod,
        fromName: target.name,
        fromApi: `${known.kind}/${known.name}`,
      });
      return signal;
    }
    const resolved = ownerTargetOf({ kind: 'Pod', name: owner.pod, namespace }, known);
    return { ...signal, target: resolved.target, ...(resolved.owner !== undefined && { owner: resolved.owner }) };
  }
}
