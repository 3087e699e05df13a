import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { type KnownOwner, ownerFallbackReasons } from '../domain/owner-target.js';
import { RedisProtocolError } from '../errors.js';
import { parseJsonAs } from '../validation/parse-json.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';

/** Pods cached per tenant and namespace: the cache's bound (about 100 bytes each, 100 KB per namespace). */
export const ownerCacheMaxPodsPerNamespace = 1_000;

const entrySchema = z.object({
  k: z.string().check(z.minLength(1)),
  n: z.string().check(z.minLength(1)),
  s: z.enum(['api', 'name-pattern']),
  r: z.optional(z.enum(ownerFallbackReasons)),
  x: z.int(),
});

/** The owner cache of one tenant's namespace: one HASH, its own hash tag (a lookup is one HMGET). */
export function ownerCacheKey(tenant: string, namespace: string): string {
  const digest = createHash('sha256').update(['owners', tenant, namespace].join('\0')).digest();
  return `sg:{${digest.subarray(0, 2).toString('base64url').slice(0, 2)}}n${digest.subarray(2, 8).toString('base64url')}`;
}

export interface PodRef {
  readonly namespace: string;
  readonly pod: string;
}

/**
 * Pods' controlling workloads, as dedup looked them up (FINGERPRINT_STRATEGY=owner), for ingest to build
 * fingerprints from: a TTL per entry, a bounded number per namespace, one HMGET per namespace of a
 * notification. Entries that cannot be read are misses: the pod's name answers instead.
 */
export class OwnerCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly ttlSeconds: number,
  ) {}

  /** The cached owners of `pods`, by `keyOf(namespace, pod)`; expired or unreadable entries are left out. */
  async lookup(tenant: string, pods: readonly PodRef[], now: number, keyOf: (namespace: string, pod: string) => string): Promise<Map<string, KnownOwner>> {
    const byNamespace = new Map<string, Set<string>>();
    for (const { namespace, pod } of pods) byNamespace.set(namespace, (byNamespace.get(namespace) ?? new Set()).add(pod));
    const found = new Map<string, KnownOwner>();
    await Promise.all(
      [...byNamespace].map(async ([namespace, names]) => {
        const fields = [...names];
        const values = await callRedis('owner cache lookup', () => this.redis.hmget(ownerCacheKey(tenant, namespace), ...fields));
        values.forEach((value, index) => {
          const entry = value === null ? undefined : parseJsonAs(entrySchema, value);
          if (entry === undefined || entry.x <= now) return;
          found.set(keyOf(namespace, fields[index] as string), { kind: entry.k, name: entry.n, source: entry.s, ...(entry.r !== undefined && { reason: entry.r }) });
        });
      }),
    );
    return found;
  }

  /**
   * Remembers a lookup's answer for the TTL (a failed lookup for at most a minute, so that the API is
   * asked again soon). Returns false when the namespace's cache was full.
   */
  async remember(tenant: string, ref: PodRef, owner: KnownOwner, now: number): Promise<boolean> {
    const ttl = owner.reason === 'owner-lookup-failed' ? Math.min(60, this.ttlSeconds) : this.ttlSeconds;
    const entry = JSON.stringify({ k: owner.kind, n: owner.name, s: owner.source, ...(owner.reason !== undefined && { r: owner.reason }), x: now + ttl });
    const reply = await callRedis('owner cache remember', () =>
      this.redis.sgOwnerRemember(1, ownerCacheKey(tenant, ref.namespace), ref.pod, entry, ttl, ownerCacheMaxPodsPerNamespace, now),
    );
    if (reply !== 0 && reply !== 1) throw new RedisProtocolError(`unexpected owner cache reply: ${JSON.stringify(reply)}`);
    return reply === 1;
  }
}
