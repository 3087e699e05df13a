import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { normalizeWebhook } from '../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../lib/alertmanager/parse-webhook.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { episodeKey, stormTag } from '../../lib/redis/keys.js';
import type { Signal } from '../../lib/domain/signal.js';
import { alert, webhook, type AlertOverrides } from '../support/builders/webhook.js';
import { type RunningRedis, startRedisCluster, startRedisStandalone } from '../support/redis-harness.js';
import { flushAll, keysWithoutTtl, keysWithTtl } from '../support/redis-keys.js';

const idleTtlSeconds = 3_600;

function signals(...overrides: AlertOverrides[]): Signal[] {
  return normalizeWebhook(parseWebhook(JSON.stringify(webhook(overrides.map((override) => alert(override))))), { receivedAt: '2026-11-21T10:00:00Z' });
}

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
    store = new EpisodeStore(redis, { idleTtlSeconds });
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
      expect(await store.observe('default', [firing as Signal], 3_000)).toEqual([{ kind: 'repeated', episodeStartMs: 1_000, occurrenceCount: 3 }]);
      expect(await store.observe('default', [resolved as Signal], 4_000)).toEqual([{ kind: 'closed', episodeStartMs: 1_000, occurrenceCount: 3 }]);
      expect(await store.observe('default', [resolved as Signal], 5_000)).toEqual([{ kind: 'unmatched' }]);
      expect((await keysWithTtl(redis)).size).toBe(0);
      expect(await store.observe('default', [firing as Signal], 6_000)).toEqual([{ kind: 'opened', episodeStartMs: 6_000 }]);
    });

    it('keeps the idle TTL on an open episode and refreshes it on every occurrence', async () => {
      const [firing] = signals({});
      await store.observe('default', [firing as Signal], 1_000);
      const key = episodeKey(stormTag('default', firing as Signal), (firing as Signal).fingerprint);
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

    it('scopes episodes by tenant', async () => {
      const [firing] = signals({});
      expect(await store.observe('tenant-a', [firing as Signal], 1_000)).toEqual([{ kind: 'opened', episodeStartMs: 1_000 }]);
      expect(await store.observe('tenant-b', [firing as Signal], 1_000)).toEqual([{ kind: 'opened', episodeStartMs: 1_000 }]);
    });
  });
}
