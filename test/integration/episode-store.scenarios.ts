import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Signal } from '../../lib/domain/signal.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { episodeKey } from '../../lib/redis/keys.js';
import { signalsOf } from '../support/builders/webhook.js';
import { type RunningRedis, startRedisCluster, startRedisStandalone } from '../support/redis-harness.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import { flushAll, keysOfFamily, memoryUsage, stateKeys } from '../support/redis-keys.js';

// Storm detection is out of the way here (see storms.scenarios.ts): a threshold no test reaches, no hold.
const options = {
  idleTtlSeconds: 3_600,
  closedTtlSeconds: 600,
  haWindowSeconds: 60,
  storm: { scope: 'namespace', threshold: 1_000, detectionWindowSeconds: 60, holdSeconds: 0, resourceCap: 200, maxWindowSeconds: 300 },
} as const;
const t0 = 1_763_700_000;
const one = (...overrides: Parameters<typeof signalsOf>) => signalsOf(...overrides)[0] as Signal;

/** The episode store's atomic semantics on a real Redis of the given topology. */
export function episodeStoreScenarios(topology: 'standalone' | 'cluster'): void {
  let server: RunningRedis;
  let redis: RedisClient;
  let store: EpisodeStore;
  const outcomes = async (signals: Signal[], now: number, tenant = 'default') => (await store.observe(tenant, signals, now)).results.map((observed) => observed.outcome);

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
    await expectRedisHygiene(redis);
    await flushAll(redis);
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  describe(`episode store on ${topology} Redis`, () => {
    it('opens, completes, counts, closes, and then finds nothing to close', async () => {
      const firing = one({});
      const resolved = one({ status: 'resolved' });
      expect(await outcomes([firing], t0)).toEqual([{ kind: 'opened', episodeStart: t0 }]);
      expect(await outcomes([firing], t0 + 1)).toEqual([{ kind: 'pending', episodeStart: t0, occurrenceCount: 2 }]);
      await store.confirmCreated('default', [{ fingerprint: firing.fingerprint, episodeStart: t0 }]);
      expect(await outcomes([one({ startsAt: '2026-11-21T11:00:00Z' })], t0 + 2)).toEqual([{ kind: 'repeated', episodeStart: t0, occurrenceCount: 3 }]);
      expect(await outcomes([resolved], t0 + 3)).toEqual([{ kind: 'closed', episodeStart: t0, occurrenceCount: 3 }]);
      expect(await outcomes([resolved], t0 + 4)).toEqual([{ kind: 'unmatched' }]);
      // The closed episode stays readable for a while (decision receipt), with the shorter TTL.
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'closed', occurrenceCount: 3, lastOutcome: 'closed', lastSeen: t0 + 3 });
      const [closed] = await keysOfFamily(redis, 'episode');
      expect(closed?.ttl).toBeLessThanOrEqual(options.closedTtlSeconds * 1000);
      expect(await outcomes([firing], t0 + 10)).toEqual([{ kind: 'opened', episodeStart: t0 + 10 }]);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'reserved', occurrenceCount: 1, episodeStart: t0 + 10 });
    });

    it('gives an episode that reopens within the same second its own start (and request name)', async () => {
      const firing = one({});
      await store.observe('default', [firing, one({ status: 'resolved' })], t0);
      expect(await outcomes([firing], t0)).toEqual([{ kind: 'opened', episodeStart: t0 + 1 }]);
    });

    it('keeps the idle TTL on an open episode and refreshes it on every occurrence', async () => {
      const firing = one({});
      await store.observe('default', [firing], t0);
      const key = episodeKey('default', firing.fingerprint);
      await redis.pexpire(key, 10_000);
      await store.observe('default', [firing], t0 + 1);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(options.idleTtlSeconds * 1000 - 5_000);
      expect(ttl).toBeLessThanOrEqual(options.idleTtlSeconds * 1000);
    });

    it('does not confirm an episode that was closed and reopened meanwhile', async () => {
      const firing = one({});
      await store.observe('default', [firing], t0);
      await store.observe('default', [one({ status: 'resolved' })], t0 + 1);
      await store.observe('default', [firing], t0 + 2);
      await store.confirmCreated('default', [{ fingerprint: firing.fingerprint, episodeStart: t0 }]);
      expect(await outcomes([firing], t0 + 3)).toEqual([{ kind: 'pending', episodeStart: t0 + 2, occurrenceCount: 2 }]);
    });

    it('answers a batch across many storm keys (hash slots) in the signals order', async () => {
      const batch = signalsOf(...Array.from({ length: 40 }, (_, index) => ({ labels: { namespace: `ns-${index % 8}`, pod: `web-${index}` } })));
      expect((await outcomes(batch, t0)).every((outcome) => outcome.kind === 'opened')).toBe(true);
      const again = await outcomes([...batch].reverse(), t0 + 1);
      expect(again.map((outcome) => outcome.kind === 'pending' && outcome.occurrenceCount)).toEqual(Array.from({ length: 40 }, () => 2));
    });

    it('opens an episode exactly once under 50 concurrent observations', async () => {
      const firing = one({});
      const all = (await Promise.all(Array.from({ length: 50 }, () => outcomes([firing], t0)))).flat();
      expect(all.filter((outcome) => outcome.kind === 'opened')).toHaveLength(1);
      const counts = all.flatMap((outcome) => (outcome.kind === 'pending' ? [outcome.occurrenceCount] : [])).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 49 }, (_, index) => index + 2));
    });

    it('recognises an HA peer redelivery by its delivery key within the window', async () => {
      const firing = one({});
      await store.observe('default', [firing], t0);
      await store.confirmCreated('default', [{ fingerprint: firing.fingerprint, episodeStart: t0 }]);
      expect(await outcomes([firing], t0 + 2)).toEqual([{ kind: 'redelivered', episodeStart: t0, occurrenceCount: 2 }]);
      // The same delivery key long after the window is a repeat notification (repeat_interval), not a copy.
      expect(await outcomes([firing], t0 + 2 + 61)).toEqual([{ kind: 'repeated', episodeStart: t0, occurrenceCount: 3 }]);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'created', lastOutcome: 'repeated', lastSeen: t0 + 63 });
    });

    it('asks for a status write once per stale period: on the first duplicate after a write, not on every one', async () => {
      const firing = one({});
      await store.observe('default', [firing], t0);
      await store.confirmCreated('default', [{ fingerprint: firing.fingerprint, episodeStart: t0 }]);
      const due = async (now: number) => (await store.observe('default', [firing], now)).results[0]?.statusWriteDue;
      expect([await due(t0 + 1), await due(t0 + 2), await due(t0 + 3)]).toEqual([true, false, false]);
      expect(await store.statusWritten('default', firing.fingerprint, t0, 3)).toBe('stale');
      expect(await store.statusWritten('default', firing.fingerprint, t0, 4)).toBe('clean');
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ statusDirty: false, occurrenceCount: 4 });
      expect(await due(t0 + 4)).toBe(true);
      expect(await store.statusWritten('default', firing.fingerprint, t0 - 1, 5)).toBe('gone');
    });

    it('returns nothing for a fingerprint it never saw', async () => {
      expect(await store.read('default', '0'.repeat(32))).toBeUndefined();
    });

    it('scopes episodes by tenant', async () => {
      const firing = one({});
      expect(await outcomes([firing], t0, 'tenant-a')).toEqual([{ kind: 'opened', episodeStart: t0 }]);
      expect(await outcomes([firing], t0, 'tenant-b')).toEqual([{ kind: 'opened', episodeStart: t0 }]);
      expect(await store.read('tenant-c', firing.fingerprint)).toBeUndefined();
    });

    it('costs at most 1,000 bytes for an open storm of 15 resources, over all its keys (MEMORY USAGE)', async () => {
      const stormStore = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 5 } });
      const storm = signalsOf(...Array.from({ length: 15 }, (_, index) => ({ labels: { pod: `checkout-7d9f8b6c5-${String(index).padStart(5, '0')}` } })));
      const { results, windows } = await stormStore.observe('default', storm, t0);
      expect(results.every((result) => result.outcome.kind === 'stormed')).toBe(true);
      expect(windows).toHaveLength(1);
      const keys = await stateKeys(redis);
      const bytes = (await Promise.all(keys.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
      expect(bytes).toBeLessThanOrEqual(1_000);
    });

    it('bounds a storm of 10,000 resources by the cap: at most 64 KiB over all its keys', async () => {
      const stormStore = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 5, resourceCap: 200 } });
      for (let batch = 0; batch < 20; batch += 1) {
        const signals = signalsOf(...Array.from({ length: 500 }, (_, index) => ({ labels: { pod: `checkout-7d9f8b6c5-${String(batch * 500 + index).padStart(5, '0')}` } })));
        await stormStore.observe('default', signals, t0 + batch);
      }
      const keys = await stateKeys(redis);
      const bytes = (await Promise.all(keys.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
      expect(keys.length).toBeLessThanOrEqual(3);
      expect(bytes).toBeLessThanOrEqual(64 * 1024);
    });

    it('costs at most 100 bytes of Redis per open fingerprint (MEMORY USAGE)', async () => {
      const batch = signalsOf(...Array.from({ length: 50 }, (_, index) => ({ labels: { pod: `web-${index}` } })));
      await store.observe('default', batch, t0);
      const keys = await keysOfFamily(redis, 'episode');
      expect(keys).toHaveLength(50);
      for (const key of keys) expect(await memoryUsage(key)).toBeLessThanOrEqual(100);
    });
  });
}
