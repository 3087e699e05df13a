import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { episodeKey } from '../../lib/redis/keys.js';
import type { Signal } from '../../lib/domain/signal.js';
import { signalsOf as signals } from '../support/builders/webhook.js';
import { type RunningRedis, startRedisCluster, startRedisStandalone } from '../support/redis-harness.js';
import { flushAll, keysWithoutTtl, keysWithTtl } from '../support/redis-keys.js';

const idleTtlSeconds = 3_600;
const options = { idleTtlSeconds, closedTtlSeconds: 600, haWindowSeconds: 60 };

/** The episode store's atomic semantics on a real Redis of the given topology. */
export function episodeStoreScenarios(topology: 'standalone' | 'cluster'): void {
  let server: RunningRedis;
  let redis: RedisClient;
  let store: EpisodeStore;

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster() : await startRedisStandalone();
    redis = createRedisClient(
      topology === 'cluster'
        ? { mode: 'cluster', nodes: server.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false }
        : { mode: 'standalone', url: server.url as string, tls: false },
    );
    store = new EpisodeStore(redis, options);
  });
  afterEach(async () => {
    expect(await keysWithoutTtl(redis)).toEqual([]);
    await flushAll(redis);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  describe(`episode store on ${topology} Redis`, () => {
    it('opens, counts, closes, and then finds nothing to close', async () => {
      const [firing] = signals({});
      const [resolved] = signals({ status: 'resolved' });
      expect(await store.observe('default', [firing as Signal], 1_000)).toEqual([{ kind: 'opened', episodeStartMs: 1_000 }]);
      expect(await store.observe('default', [firing as Signal], 2_000)).toEqual([{ kind: 'pending', episodeStartMs: 1_000, occurrenceCount: 2 }]);
      await store.confirmCreated('default', [{ signal: firing as Signal, episodeStartMs: 1_000 }]);
      expect(await store.observe('default', [firing as Signal], 3_000)).toEqual([{ kind: 'redelivered', episodeStartMs: 1_000, occurrenceCount: 3 }]);
      expect(await store.observe('default', [resolved as Signal], 4_000)).toEqual([{ kind: 'closed', episodeStartMs: 1_000, occurrenceCount: 3 }]);
      expect(await store.observe('default', [resolved as Signal], 5_000)).toEqual([{ kind: 'unmatched' }]);
      // The closed episode stays readable for a while (decision receipt), with the shorter TTL.
      expect(await store.read('default', (firing as Signal).fingerprint)).toMatchObject({ state: 'closed', occurrenceCount: 3, lastOutcome: 'closed' });
      const [closedTtl] = [...(await keysWithTtl(redis)).values()];
      expect(closedTtl).toBeLessThanOrEqual(options.closedTtlSeconds * 1000);
      expect(await store.observe('default', [firing as Signal], 6_000)).toEqual([{ kind: 'opened', episodeStartMs: 6_000 }]);
      expect(await store.read('default', (firing as Signal).fingerprint)).toMatchObject({ state: 'reserved', occurrenceCount: 1, episodeStartMs: 6_000 });
    });

    it('keeps the idle TTL on an open episode and refreshes it on every occurrence', async () => {
      const [firing] = signals({});
      await store.observe('default', [firing as Signal], 1_000);
      const key = episodeKey('default', (firing as Signal).fingerprint);
      await redis.pexpire(key, 10_000);
      await store.observe('default', [firing as Signal], 2_000);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(idleTtlSeconds * 1000 - 5_000);
      expect(ttl).toBeLessThanOrEqual(idleTtlSeconds * 1000);
    });

    it('does not confirm an episode that was closed and reopened meanwhile', async () => {
      const [firing] = signals({});
      const [resolved] = signals({ status: 'resolved' });
      await store.observe('default', [firing as Signal], 1_000);
      await store.observe('default', [resolved as Signal], 2_000);
      await store.observe('default', [firing as Signal], 3_000);
      await store.confirmCreated('default', [{ signal: firing as Signal, episodeStartMs: 1_000 }]);
      expect(await store.observe('default', [firing as Signal], 4_000)).toEqual([{ kind: 'pending', episodeStartMs: 3_000, occurrenceCount: 2 }]);
    });

    it('answers a batch across many storm keys (hash slots) in the signals order', async () => {
      const batch = signals(...Array.from({ length: 40 }, (_, index) => ({ labels: { namespace: `ns-${index % 8}`, pod: `web-${index}` } })));
      const outcomes = await store.observe('default', batch, 1_000);
      expect(outcomes).toHaveLength(40);
      expect(outcomes.every((outcome) => outcome.kind === 'opened')).toBe(true);
      const again = await store.observe('default', [...batch].reverse(), 2_000);
      expect(again.map((outcome) => outcome.kind === 'pending' && outcome.occurrenceCount)).toEqual(Array.from({ length: 40 }, () => 2));
    });

    it('opens an episode exactly once under 50 concurrent observations', async () => {
      const [firing] = signals({});
      const outcomes = (await Promise.all(Array.from({ length: 50 }, (_, index) => store.observe('default', [firing as Signal], 1_000 + index)))).flat();
      expect(outcomes.filter((outcome) => outcome.kind === 'opened')).toHaveLength(1);
      const counts = outcomes.flatMap((outcome) => (outcome.kind === 'pending' ? [outcome.occurrenceCount] : [])).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 49 }, (_, index) => index + 2));
    });

    it('recognises an HA peer redelivery by its delivery key within the window', async () => {
      const [firing] = signals({});
      const signal = firing as Signal;
      await store.observe('default', [signal], 1_000);
      await store.confirmCreated('default', [{ signal, episodeStartMs: 1_000 }]);
      expect(await store.observe('default', [signal], 2_000)).toEqual([{ kind: 'redelivered', episodeStartMs: 1_000, occurrenceCount: 2 }]);
      // The same delivery key long after the window is a repeat notification (repeat_interval), not a copy.
      expect(await store.observe('default', [signal], 2_000 + 61_000)).toEqual([{ kind: 'repeated', episodeStartMs: 1_000, occurrenceCount: 3 }]);
      const [otherDelivery] = signals({ startsAt: '2026-11-21T11:00:00Z' });
      expect(await store.observe('default', [otherDelivery as Signal], 63_500)).toEqual([{ kind: 'repeated', episodeStartMs: 1_000, occurrenceCount: 4 }]);
      expect(await store.read('default', signal.fingerprint)).toMatchObject({ state: 'created', lastOutcome: 'repeated', lastSeenMs: 63_500 });
    });

    it('returns nothing for a fingerprint it never saw', async () => {
      expect(await store.read('default', '0'.repeat(32))).toBeUndefined();
    });

    it('scopes episodes by tenant', async () => {
      const [firing] = signals({});
      expect(await store.observe('tenant-a', [firing as Signal], 1_000)).toEqual([{ kind: 'opened', episodeStartMs: 1_000 }]);
      expect(await store.observe('tenant-b', [firing as Signal], 1_000)).toEqual([{ kind: 'opened', episodeStartMs: 1_000 }]);
      expect(await store.read('tenant-c', (firing as Signal).fingerprint)).toBeUndefined();
    });
  });
}
