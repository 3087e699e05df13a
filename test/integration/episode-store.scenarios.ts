import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Signal } from '../../lib/domain/signal.js';
import { unixSeconds } from '../../lib/domain/time.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { EpisodeStore, maxSignalsPerScriptCall, serverlessArgumentLimit } from '../../lib/redis/episode-store.js';
import { episodeKey } from '../../lib/redis/keys.js';
import { signalsOf } from '../support/builders/webhook.js';
import { episodeStoreOptions, firstStart, laterStart, one, s0, t0 } from '../support/episode-store-fixtures.js';
import { type RunningRedis, redisTargetOf, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import { flushAll, keysOfFamily, memoryUsage, stateKeys } from '../support/redis-keys.js';

const options = episodeStoreOptions;
let batchNumber = 0;

/** The episode store's atomic semantics (docs/LIFECYCLE.md) on a real Redis of the given topology. */
export function episodeStoreScenarios(topology: 'standalone' | 'cluster'): void {
  let server: RunningRedis;
  let redis: RedisClient;
  let store: EpisodeStore;
  // Every call is its own delivery (its own batch), as separate notifications are.
  const observe = async (signals: Signal[], now: number, tenant = 'default', requestId = `batch-${(batchNumber += 1)}`) =>
    (await store.observe(tenant, signals, now, { requestId })).results;
  const kinds = async (signals: Signal[], now: number, tenant = 'default') => (await observe(signals, now, tenant)).map((result) => result.kind);

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster() : await startRedisStandalone();
    redis = createRedisClient(redisTargetOf(server));
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
    it('opens an episode named by the alert, completes, counts, closes, and ignores copies of the closed one', async () => {
      const firing = one({});
      const resolved = one({ status: 'resolved' });
      expect(await observe([firing], t0)).toEqual([{ kind: 'opened', episodeStart: s0, occurrenceCount: 1, statusWriteDue: false, noRecord: true }]);
      expect(await kinds([firing], t0 + 1)).toEqual(['pending']);
      expect(await store.confirm('default', firing.fingerprint, s0)).toEqual({ state: 'firing', episodeStart: s0, occurrenceCount: 2, lastSeen: t0 + 1 });
      // The same notification again after the HA window: Alertmanager's repeat_interval re-send.
      expect(await kinds([firing], t0 + 100)).toEqual(['repeated']);
      expect(await observe([resolved], t0 + 103)).toEqual([{ kind: 'closed', episodeStart: s0, occurrenceCount: 3, statusWriteDue: false, noRecord: false }]);
      // An HA copy of the resolved, and a late firing copy of the same alert (same startsAt): old news.
      expect(await kinds([resolved], t0 + 104)).toEqual(['stale']);
      expect(await kinds([firing], t0 + 105)).toEqual(['stale']);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'resolved', occurrenceCount: 3, lastOutcome: 'closed', confirmed: true });
      const [closed] = await keysOfFamily(redis, 'episode');
      expect(closed?.ttl).toBeLessThanOrEqual(options.closedTtlSeconds * 1000);
      // The alert fires again: Alertmanager gives it a new startsAt, and that is a new episode.
      expect(await observe([one({ startsAt: laterStart })], t0 + 110)).toEqual([
        { kind: 'opened', episodeStart: unixSeconds(laterStart), occurrenceCount: 1, statusWriteDue: false, noRecord: false },
      ]);
    });

    it('leaves a tombstone for a resolved that arrives before its firing: the late firing creates nothing', async () => {
      expect(await observe([one({ status: 'resolved' })], t0)).toEqual([{ kind: 'tombstone', episodeStart: s0, occurrenceCount: 0, statusWriteDue: false, noRecord: true }]);
      expect(await kinds([one({})], t0 + 1)).toEqual(['stale']);
      // Bounded: the tombstone lives for the closed TTL.
      const [tombstone] = await keysOfFamily(redis, 'episode');
      expect(tombstone?.ttl).toBeLessThanOrEqual(options.closedTtlSeconds * 1000);
      // A later episode of the same alert is not affected.
      expect(await kinds([one({ startsAt: laterStart })], t0 + 2)).toEqual(['opened']);
    });

    it('never lets a resolved of an older startsAt close a newer episode', async () => {
      await observe([one({ startsAt: laterStart })], t0);
      expect(await kinds([one({ status: 'resolved', startsAt: firstStart })], t0 + 1)).toEqual(['stale']);
      expect(await store.read('default', one({}).fingerprint)).toMatchObject({ state: 'open', episodeStart: unixSeconds(laterStart) });
    });

    it('keeps one episode per resource while any of its alerts fires (two containers)', async () => {
      const app = one({ labels: { container: 'app' } });
      const sidecar = one({ labels: { container: 'sidecar' } });
      expect(app.fingerprint).toBe(sidecar.fingerprint);
      expect(await kinds([app], t0)).toEqual(['opened']);
      await store.confirm('default', app.fingerprint, s0);
      expect(await kinds([sidecar], t0 + 1)).toEqual(['joined']);
      expect(await kinds([one({ status: 'resolved', labels: { container: 'app' } })], t0 + 2)).toEqual(['member-resolved']);
      expect(await kinds([sidecar], t0 + 3)).toEqual(['repeated']);
      expect(await store.read('default', app.fingerprint)).toMatchObject({ state: 'open', episodeStart: s0, occurrenceCount: 3 });
      expect(await kinds([one({ status: 'resolved', labels: { container: 'sidecar' } })], t0 + 4)).toEqual(['closed']);
      // The first container's late firing copy does not reopen it.
      expect(await kinds([app], t0 + 5)).toEqual(['stale']);
    });

    it('opens a storm whose shared labels carry lone UTF-16 surrogates (legal JSON) without failing the script', async () => {
      const storming = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 2 } });
      // As a caller could pass them: intake makes strings well-formed, the store must not depend on it.
      const unpaired = (signal: Signal): Signal => ({ ...signal, labels: { ...signal.labels, team: 'pay\ud800', ['owner\udc00']: 'x' } });
      const pods = signalsOf({ labels: { pod: 'web-1' } }, { labels: { pod: 'web-2' } }, { labels: { pod: 'web-3' } }).map(unpaired);
      const outcome = await storming.observe('default', pods, t0, { requestId: 'surrogates' });
      expect(outcome.results.map((result) => result.kind)).toContain('stormed');
    });

    it('closes a held episode without a request when its alert resolves during the hold', async () => {
      const holding = new EpisodeStore(redis, { ...options, storm: { ...options.storm, holdSeconds: 3 } });
      const pods = signalsOf({ labels: { pod: 'web-1' } }, { labels: { pod: 'web-2' } });
      expect((await holding.observe('default', pods, t0, { requestId: 'hold-1' })).results.map((result) => result.kind)).toEqual(['held', 'held']);
      expect((await holding.observe('default', [one({ status: 'resolved', labels: { pod: 'web-1' } })], t0 + 1, { requestId: 'hold-2' })).results.map((r) => r.kind)).toEqual([
        'ended-in-hold',
      ]);
      const after = await holding.resolveHeld('default', pods, t0 + 3);
      expect(after.results).toEqual([{ kind: 'gone' }, { kind: 'released', episodeStart: s0, occurrenceCount: 1 }]);
      expect(await holding.read('default', pods[0]?.fingerprint as string)).toMatchObject({ state: 'ended' });
    });

    it('makes no request for a held alert whose resolve comes in the same notification', async () => {
      const holding = new EpisodeStore(redis, { ...options, storm: { ...options.storm, holdSeconds: 3 } });
      const app = one({ labels: { pod: 'web-1', container: 'app' } });
      const batch = [app, one({ labels: { pod: 'web-2' } }), one({ status: 'resolved', labels: { pod: 'web-1', container: 'app' } })];
      expect((await holding.observe('default', batch, t0, { requestId: 'both' })).results.map((result) => result.kind)).toEqual(['held', 'held', 'ended-in-hold']);
      expect((await holding.resolveHeld('default', batch.slice(0, 2), t0 + 3)).results.map((result) => result.kind)).toEqual(['gone', 'released']);
    });

    it('counts nothing again when Lambda retries a batch, and reports the work still to do', async () => {
      const firing = one({});
      expect((await store.observe('default', [firing], t0, { requestId: 'retry-me' })).results.map((r) => r.kind)).toEqual(['opened']);
      // The create failed; Lambda retries the same event.
      expect((await store.observe('default', [firing], t0 + 60, { requestId: 'retry-me' })).results.map((r) => r.kind)).toEqual(['pending']);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ occurrenceCount: 1 });
      await store.confirm('default', firing.fingerprint, s0);
      await observe([one({ status: 'resolved' })], t0 + 70);
      // A retry arriving after the resolve must not put the request back to Firing.
      expect((await store.observe('default', [firing], t0 + 3600, { requestId: 'retry-me' })).results.map((r) => r.kind)).toEqual(['closed']);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'resolved', occurrenceCount: 1 });
    });

    // Review finding: a retry found the marker and scheduled nothing, so a storm whose first attempt died
    // before scheduling was never swept.
    it('schedules the storm again on a retry of the batch that opened it', async () => {
      const stormStore = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 5 } });
      const storm = signalsOf(...Array.from({ length: 6 }, (_, index) => ({ labels: { pod: `web-${index}` } })));
      const first = await stormStore.observe('default', storm, t0, { requestId: 'opens-storm' });
      const retry = await stormStore.observe('default', storm, t0 + 30, { requestId: 'opens-storm' });
      expect(retry.results.map((result) => result.kind)).toEqual(storm.map(() => 'retried'));
      expect(retry.storms).toEqual(first.storms);
      expect(first.storms[0]?.dueAt).toBe(t0 + options.storm.inactivitySeconds);
    });

    it('takes every alert of a held episode into a storm that formed meanwhile: firing ones as members, resolved ones remembered', async () => {
      const holding = new EpisodeStore(redis, { ...options, storm: { ...options.storm, holdSeconds: 3, threshold: 5 } });
      const app = one({ labels: { pod: 'web-0', container: 'app' } });
      const sidecar = one({ labels: { pod: 'web-0', container: 'sidecar' } });
      await holding.observe('default', [app, sidecar, one({ labels: { pod: 'web-1' } })], t0, { requestId: 'held' });
      await holding.observe('default', [one({ status: 'resolved', labels: { pod: 'web-0', container: 'app' } })], t0 + 1, { requestId: 'app-resolved' });
      await holding.observe('default', signalsOf(...Array.from({ length: 6 }, (_, index) => ({ labels: { pod: `web-${index + 2}` } }))), t0 + 2, { requestId: 'storm' });
      expect((await holding.resolveHeld('default', [app], t0 + 3)).results).toEqual([{ kind: 'stormed', episodeStart: expect.any(Number) as unknown, ...{} }]);
      const { stormKeys } = await import('../../lib/redis/keys.js');
      const stormKey = stormKeys('default', app.fingerprint.slice(0, 12)).storm;
      // Six storm pods and the sidecar fire; the app container resolved during the hold.
      expect(await redis.hmget(stormKey, '_m', '_f')).toEqual(['7', '7']);
    });

    // Second review: a record closed because its request was found Resolved still had its alert firing.
    it('treats further copies as stale once an episode is closed because its request was found Resolved', async () => {
      const firing = one({});
      await observe([firing], t0);
      await store.confirm('default', firing.fingerprint, s0, { episodeStart: s0, resolved: true });
      expect(await kinds([firing], t0 + 1)).toEqual(['stale']);
    });

    // Found by the load test: an old copy's episode, confirmed against its Resolved request, must not take
    // down an occurrence that fired again meanwhile.
    it('reopens as a new episode when a newer occurrence joined an old copy whose request was found Resolved', async () => {
      const old = one({});
      const again = one({ startsAt: laterStart });
      const later = unixSeconds(laterStart);
      expect(await kinds([old], t0)).toEqual(['opened']);
      expect(await kinds([again], t0 + 1)).toEqual(['pending']);
      expect(await store.confirm('default', old.fingerprint, s0, { episodeStart: s0, resolved: true })).toEqual({ state: 'reopened', episodeStart: later, occurrenceCount: 2, lastSeen: t0 + 1 });
      // The old occurrence is over; the newer one is an open episode whose request is still to be made.
      expect(await kinds([old], t0 + 2)).toEqual(['stale']);
      expect(await kinds([again], t0 + 3)).toEqual(['pending']);
      expect(await store.confirm('default', old.fingerprint, later)).toMatchObject({ state: 'firing', episodeStart: later });
      expect(await store.read('default', old.fingerprint)).toMatchObject({ state: 'open', confirmed: true, episodeStart: later });
    });

    it('closes as before when nothing newer joined (the other side of the reopening)', async () => {
      const old = one({});
      await observe([old], t0);
      await observe([old], t0 + 1);
      expect(await store.confirm('default', old.fingerprint, s0, { episodeStart: s0, resolved: true })).toEqual({ state: 'resolved', episodeStart: s0, occurrenceCount: 2, lastSeen: t0 + 1 });
    });

    it('keeps the lost-state resolve of a tombstone for a retry', async () => {
      expect((await store.observe('default', [one({ status: 'resolved' })], t0, { requestId: 'tomb' })).results.map((r) => [r.kind, r.noRecord])).toEqual([['tombstone', true]]);
      expect((await store.observe('default', [one({ status: 'resolved' })], t0 + 60, { requestId: 'tomb' })).results.map((r) => [r.kind, r.noRecord])).toEqual([['tombstone', true]]);
    });

    it('gives the parts of one split notification their own markers (a resolved beside its firing is not swallowed)', async () => {
      const firing = one({});
      await store.observe('default', [firing], t0, { requestId: 'split' });
      await store.confirm('default', firing.fingerprint, s0);
      expect((await store.observe('default', [one({ status: 'resolved' })], t0, { requestId: 'split' })).results.map((r) => r.kind)).toEqual(['closed']);
    });

    it('keeps the idle TTL on an open episode and refreshes it on every occurrence', async () => {
      const firing = one({});
      await observe([firing], t0);
      const key = episodeKey('default', firing.fingerprint);
      await redis.pexpire(key, 10_000);
      await observe([firing], t0 + 1);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(options.idleTtlSeconds * 1000 - 5_000);
      expect(ttl).toBeLessThanOrEqual(options.idleTtlSeconds * 1000);
    });

    it('tells the creator of an episode that was closed and reopened meanwhile that its request must show Resolved', async () => {
      const firing = one({});
      await observe([firing], t0);
      await observe([one({ status: 'resolved' })], t0 + 1);
      await observe([one({ startsAt: laterStart })], t0 + 2);
      expect(await store.confirm('default', firing.fingerprint, s0)).toEqual({ state: 'superseded', episodeStart: s0, occurrenceCount: 0, lastSeen: 0 });
      expect(await kinds([one({ startsAt: laterStart })], t0 + 3)).toEqual(['pending']);
    });

    it('answers a batch across many storm keys (hash slots) in the signals order', async () => {
      const batch = signalsOf(...Array.from({ length: 40 }, (_, index) => ({ labels: { namespace: `ns-${index % 8}`, pod: `web-${index}` } })));
      expect((await kinds(batch, t0)).every((kind) => kind === 'opened')).toBe(true);
      const again = await observe([...batch].reverse(), t0 + 1);
      expect(again.map((result) => `${result.kind}/${result.occurrenceCount}`)).toEqual(Array.from({ length: 40 }, () => 'pending/2'));
    });

    it('opens an episode exactly once under 50 concurrent deliveries', async () => {
      const firing = one({});
      const all = (await Promise.all(Array.from({ length: 50 }, (_, index) => observe([firing], t0, 'default', `concurrent-${index}`)))).flat();
      expect(all.filter((result) => result.kind === 'opened')).toHaveLength(1);
      const counts = all.flatMap((result) => (result.kind === 'pending' ? [result.occurrenceCount] : [])).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 49 }, (_, index) => index + 2));
    });

    it('recognises an HA peer redelivery by its delivery key within the window', async () => {
      const firing = one({});
      await observe([firing], t0);
      await store.confirm('default', firing.fingerprint, s0);
      expect(await kinds([firing], t0 + 2)).toEqual(['redelivered']);
      // The same delivery key long after the window is a repeat notification (repeat_interval), not a copy.
      expect(await kinds([firing], t0 + 2 + 61)).toEqual(['repeated']);
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ state: 'open', confirmed: true, lastOutcome: 'repeated', lastSeen: t0 + 63 });
    });

    it('asks for a status write once per stale period: on the first duplicate after a write, not on every one', async () => {
      const firing = one({});
      await observe([firing], t0);
      await store.confirm('default', firing.fingerprint, s0);
      const due = async (now: number) => (await observe([firing], now))[0]?.statusWriteDue;
      expect([await due(t0 + 1), await due(t0 + 2), await due(t0 + 3)]).toEqual([true, false, false]);
      expect(await store.statusWritten('default', firing.fingerprint, s0, 3)).toBe('stale');
      expect(await store.statusWritten('default', firing.fingerprint, s0, 4)).toBe('clean');
      expect(await store.read('default', firing.fingerprint)).toMatchObject({ statusDirty: false, occurrenceCount: 4 });
      expect(await due(t0 + 4)).toBe(true);
      expect(await store.statusWritten('default', firing.fingerprint, s0 - 1, 5)).toBe('gone');
    });

    it('returns nothing for a fingerprint it never saw', async () => {
      expect(await store.read('default', '0'.repeat(32))).toBeUndefined();
    });

    it('scopes episodes by tenant', async () => {
      const firing = one({});
      expect(await kinds([firing], t0, 'tenant-a')).toEqual(['opened']);
      expect(await kinds([firing], t0, 'tenant-b')).toEqual(['opened']);
      expect(await store.read('tenant-c', firing.fingerprint)).toBeUndefined();
    });

    it('costs at most 20 KiB for an open storm of 15 resources, over all its keys (MEMORY USAGE; the filter is 16 KiB)', async () => {
      const stormStore = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 5 } });
      const storm = signalsOf(...Array.from({ length: 15 }, (_, index) => ({ labels: { pod: `checkout-7d9f8b6c5-${String(index).padStart(5, '0')}` } })));
      const { results, storms } = await stormStore.observe('default', storm, t0);
      expect(results.every((result) => result.kind === 'stormed')).toBe(true);
      expect(storms).toHaveLength(1);
      const keys = await stateKeys(redis);
      const bytes = (await Promise.all(keys.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
      expect(bytes).toBeLessThanOrEqual(20 * 1024);
    });

    it('bounds a storm of 10,000 resources by the cap: at most 64 KiB over all its keys', async () => {
      const stormStore = new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 5, resourceCap: 200 } });
      for (let batch = 0; batch < 20; batch += 1) {
        const signals = signalsOf(...Array.from({ length: 500 }, (_, index) => ({ labels: { pod: `checkout-7d9f8b6c5-${String(batch * 500 + index).padStart(5, '0')}` } })));
        await stormStore.observe('default', signals, t0 + batch, { requestId: `big-${batch}` });
      }
      const keys = await stateKeys(redis);
      const bytes = (await Promise.all(keys.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
      expect(keys.length).toBeLessThanOrEqual(3);
      expect(bytes).toBeLessThanOrEqual(64 * 1024);
    });

    it('costs at most 112 bytes of Redis per open fingerprint with one alert (MEMORY USAGE)', async () => {
      const batch = signalsOf(...Array.from({ length: 50 }, (_, index) => ({ labels: { pod: `web-${index}` } })));
      await observe(batch, t0);
      const keys = await keysOfFamily(redis, 'episode');
      expect(keys).toHaveLength(50);
      for (const key of keys) expect(await memoryUsage(key)).toBeLessThanOrEqual(112);
    });

    describe('a storm key with more signals than one script call may carry (ElastiCache Serverless: 3,999 arguments)', () => {
      // One storm key (alertname + namespace), one resource per pod; the threshold above one call's worth.
      const podsOfOneKey = (count: number) =>
        signalsOf(...Array.from({ length: count }, (_, index) => ({ labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod: `checkout-${index}` } })));
      /** Every sgEpisodeObserve call's argument count as sent (EVALSHA and the sha added), while `run` runs. */
      async function argumentCounts(run: (store: EpisodeStore) => Promise<void>): Promise<number[]> {
        const counts: number[] = [];
        const client = redis as RedisClient & { sgEpisodeObserve: (...args: unknown[]) => Promise<unknown> };
        const observeScript = client.sgEpisodeObserve;
        client.sgEpisodeObserve = (...args: unknown[]) => {
          counts.push(2 + args.length);
          return observeScript.apply(client, args);
        };
        try {
          await run(new EpisodeStore(redis, { ...options, storm: { ...options.storm, threshold: 600, holdSeconds: 3 } }));
        } finally {
          client.sgEpisodeObserve = observeScript;
        }
        return counts;
      }

      it(`sends ${maxSignalsPerScriptCall} signals in one call and ${maxSignalsPerScriptCall + 1} in two, each under the limit`, async () => {
        expect(await argumentCounts((store) => store.observe('default', podsOfOneKey(maxSignalsPerScriptCall), t0, { requestId: 'exactly-one-call' }).then(() => undefined))).toEqual([
          24 + 7 * maxSignalsPerScriptCall,
        ]);
        await flushAll(redis);
        const counts = await argumentCounts((store) => store.observe('default', podsOfOneKey(maxSignalsPerScriptCall + 1), t0, { requestId: 'two-calls' }).then(() => undefined));
        expect(counts).toEqual([24 + 7 * maxSignalsPerScriptCall, 24 + 7]);
        expect(Math.max(...counts)).toBeLessThanOrEqual(serverlessArgumentLimit);
      });

      it('ends as one call would: 1,000 new pods of one key (the largest notification accepted) are one storm, the first call held until it forms', async () => {
        const signals = podsOfOneKey(1_000);
        let observed: Awaited<ReturnType<EpisodeStore['observe']>> | undefined;
        let afterHold: Awaited<ReturnType<EpisodeStore['resolveHeld']>> | undefined;
        const counts = await argumentCounts(async (store) => {
          observed = await store.observe('default', signals, t0, { requestId: 'large-group' });
          const held = signals.filter((_, index) => observed?.results[index]?.kind === 'held');
          afterHold = await store.resolveHeld('default', held, t0 + 3);
        });
        expect(counts).toHaveLength(2);
        expect(Math.max(...counts)).toBeLessThanOrEqual(serverlessArgumentLimit);
        // The first call's 500 stay under the threshold of 600 (held: other resources of the key are new);
        // the second passes it and opens the storm; the held ones join it after the hold.
        expect(observed?.results.map((result) => result.kind)).toEqual([...Array<string>(500).fill('held'), ...Array<string>(500).fill('stormed')]);
        expect(afterHold?.results.map((result) => result.kind)).toEqual(Array<string>(500).fill('stormed'));
        const stormStart = observed?.results[999]?.episodeStart;
        expect(new Set(afterHold?.results.map((result) => (result.kind === 'stormed' ? result.episodeStart : -1)))).toEqual(new Set([stormStart]));
      });
    });
  });
}
