import { z } from 'zod';
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

/**
 * Work with a due time (deferred status writes, storm-window deadlines), spread over 16 ZSET buckets.
 * Adding never moves an existing entry (NX); claiming leases entries so that a crashed sweep's work comes
 * back after the lease, and `done` removes them.
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
  async claim(now: number, leaseSeconds: number, limit: number): Promise<string[]> {
    const claimed = await Promise.all(
      Array.from({ length: dueBucketCount }, async (_, bucket) => {
        const reply = await callRedis('due claim', () => this.redis.sgDueClaim(1, dueBucketKey(bucket), now, leaseSeconds, limit, bucketTtlMs));
        const parsed = z.array(z.string()).safeParse(reply);
        if (!parsed.success) throw new RedisProtocolError(`unexpected due claim reply: ${JSON.stringify(reply)}`);
        return parsed.data;
      }),
    );
    return claimed.flat();
  }

  /** Moves a claimed member to a new due time (more work arrived while it was being done). */
  async reschedule(entry: DueEntry): Promise<void> {
    await callRedis('due reschedule', () => this.redis.zadd(dueBucketKey(dueBucketOf(entry.member)), entry.dueAt, entry.member));
  }

  async done(member: string): Promise<void> {
    await callRedis('due done', () => this.redis.zrem(dueBucketKey(dueBucketOf(member)), member));
  }
}
