import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { dueBucketCount, dueBucketKey, dueBucketOf } from './keys.js';

// Long enough that a bucket with pending work never expires between sweeps; refreshed on every use.
const bucketTtlMs = 7 * 24 * 3600 * 1000;

export interface DueEntry {
  readonly member: string;
  /** Unix seconds. */
  readonly dueAt: number;
}

/** A member the sweep claimed, with the score of its claim (the lease's end, plus half a second to mark it). */
export interface ClaimedEntry {
  readonly member: string;
  readonly claimedUntil: number;
}

/**
 * Work with a due time (deferred status writes, storm episodes), spread over 16 ZSET buckets. Adding only
 * ever moves an unclaimed entry earlier, and replaces a claimed one's score; claiming leases entries so that a crashed sweep's work comes back
 * after the lease; finishing a claim changes the entry only while it still holds the claim's score, so
 * work that dedup added meanwhile is never dropped.
 */
export class DueIndex {
  constructor(private readonly redis: RedisClient) {}

  async add(entries: readonly DueEntry[]): Promise<void> {
    const byBucket = new Map<number, DueEntry[]>();
    for (const entry of entries) {
      const bucket = dueBucketOf(entry.member);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), entry]);
    }
    await Promise.all(
      [...byBucket].map(([bucket, group]) =>
        callRedis('due add', () =>
          this.redis.sgDueAdd(1, dueBucketKey(bucket), bucketTtlMs, ...group.flatMap((entry) => [entry.dueAt, entry.member])),
        ),
      ),
    );
  }

  /** Claims up to `limit` due members per bucket for `leaseSeconds`. */
  async claim(now: number, leaseSeconds: number, limit: number): Promise<ClaimedEntry[]> {
    const claimed = await Promise.all(
      Array.from({ length: dueBucketCount }, async (_, bucket) => {
        const reply = await callRedis('due claim', () => this.redis.sgDueClaim(1, dueBucketKey(bucket), now, leaseSeconds, limit, bucketTtlMs));
        const parsed = z.array(z.string()).safeParse(reply);
        if (!parsed.success) throw new RedisProtocolError(`unexpected due claim reply: ${JSON.stringify(reply)}`);
        return parsed.data.map((member) => ({ member, claimedUntil: now + leaseSeconds + 0.5 }));
      }),
    );
    return claimed.flat();
  }

  /** The claimed work is done: removes the entry, or moves it to `nextDueAt`, unless it changed meanwhile. */
  async finish(entry: ClaimedEntry, nextDueAt?: number): Promise<void> {
    await callRedis('due finish', () =>
      this.redis.sgDueFinish(1, dueBucketKey(dueBucketOf(entry.member)), entry.member, entry.claimedUntil, ...(nextDueAt === undefined ? [] : [nextDueAt])),
    );
  }
}
