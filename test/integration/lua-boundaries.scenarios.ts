import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alertDigest, deliveryKey } from '../../lib/domain/fingerprint.js';
import { stormPhases } from '../../lib/domain/lifecycle.js';
import type { Signal } from '../../lib/domain/signal.js';
import { stormPartOf, type StormSnapshot, stormWindowMember } from '../../lib/domain/storm.js';
import { unixSeconds } from '../../lib/domain/time.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { DueIndex } from '../../lib/redis/due-index.js';
import { maxEpisodeAlerts } from '../../lib/redis/episode-record.js';
import { EpisodeStore, type EpisodeStoreOptions } from '../../lib/redis/episode-store.js';
import { dueBucketKey, dueBucketOf, rateBudgetKey, stormKeys } from '../../lib/redis/keys.js';
import { TenantRateBudget } from '../../lib/redis/rate-budget.js';
import { StormEpisodes } from '../../lib/redis/storm-episodes.js';
import { type AlertOverrides, signalsOf } from '../support/builders/webhook.js';
import { episodeStoreOptions, laterStart, one, s0, t0 } from '../support/episode-store-fixtures.js';
import { type RunningRedis, redisTargetOf, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import { flushAll } from '../support/redis-keys.js';

/*
 * Both sides of the thresholds, windows and limits of the Redis scripts (lib/redis/lua): for each rule, the
 * value at which it changes its answer and the value just before. The episode store's and the storms'
 * scenarios test the rules; these pin where exactly each one turns.
 */

// As in episode-store.scenarios.ts: storm detection out of the way unless a test asks for it, no hold.
const options = episodeStoreOptions;
const threshold = 5;
const stormOptions: EpisodeStoreOptions = { ...options, storm: { ...options.storm, threshold } };
const stormLimits = {
  inactivitySeconds: options.storm.inactivitySeconds,
  maxWindowSeconds: options.storm.maxWindowSeconds,
  idleTtlSeconds: options.idleTtlSeconds,
  closedTtlSeconds: options.closedTtlSeconds,
  statusWriteIntervalSeconds: options.statusWriteIntervalSeconds,
};
/** Pods web-<from>… of one storm key (alertname + namespace), one resource each. */
const pods = (count: number, from = 0, overrides: AlertOverrides = {}) =>
  signalsOf(...Array.from({ length: count }, (_, index) => ({ ...overrides, labels: { pod: `web-${from + index}`, ...overrides.labels } })));
/** Containers c-<from>… of one pod: alerts of one resource, so one signal (fingerprint). */
const containers = (from: number, to: number, overrides: AlertOverrides = {}) =>
  signalsOf(...Array.from({ length: to - from }, (_, index) => ({ ...overrides, labels: { container: `c-${from + index}`, ...overrides.labels } })));
const stormPart = stormPartOf(one({}).fingerprint);
const keysOfStorm = stormKeys('default', stormPart);
const stormKeysOf = (signal: Signal | undefined) => stormKeys('default', stormPartOf(signal?.fingerprint ?? ''));
let batchNumber = 0;

/** The Lua scripts' boundaries on a real Redis of the given topology, on a virtual clock (`now` is passed). */
export function luaBoundaryScenarios(topology: 'standalone' | 'cluster'): void {
  let server: RunningRedis;
  let redis: RedisClient;
  let store: EpisodeStore;
  let stormStore: EpisodeStore;
  let storms: StormEpisodes;
  // Every call is its own delivery (its own batch), as separate notifications are.
  const observeOn = (on: EpisodeStore, signals: Signal[], now: number, truncated?: ReadonlyMap<string, number>) =>
    on.observe('default', signals, now, { requestId: `boundary-${(batchNumber += 1)}`, ...(truncated !== undefined && { truncated }) });
  const observe = async (signals: Signal[], now: number) => (await observeOn(store, signals, now)).results;
  const kinds = async (signals: Signal[], now: number, on?: EpisodeStore, truncated?: ReadonlyMap<string, number>) =>
    (await observeOn(on ?? store, signals, now, truncated)).results.map((result) => result.kind);
  /** Opens a storm of `threshold + 1` pods at t0 (its snapshot then: `snapshot()`). */
  const openStorm = async () => {
    const opened = await observeOn(stormStore, pods(threshold + 1), t0);
    expect(opened.results.map((result) => result.kind)).toEqual(Array<string>(threshold + 1).fill('stormed'));
    expect(opened.storms).toEqual([{ stormPart, dueAt: t0 + options.storm.inactivitySeconds }]);
  };
  const snapshot = (overrides: Partial<StormSnapshot> = {}, resourceCount = threshold + 1): StormSnapshot => ({
    start: t0,
    requestStart: t0,
    lastNewResource: t0,
    lastSeen: t0,
    alertCount: resourceCount,
    members: resourceCount,
    firing: resourceCount,
    resolved: 0,
    trigger: 'resources',
    alertname: 'KubePodCrashLooping',
    namespace: 'payments',
    severity: 'warning',
    commonLabels: { alertname: 'KubePodCrashLooping', namespace: 'payments', container: 'checkout', job: 'kube-state-metrics', severity: 'warning' },
    resources: Array.from({ length: resourceCount }, (_, index) => `Pod/web-${index}`).sort(),
    resourcesBeyondCap: 0,
    ended: false,
    // Opening sets version 1; every firing member adds one.
    version: resourceCount + 1,
    ...overrides,
  });

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster() : await startRedisStandalone();
    redis = createRedisClient(redisTargetOf(server));
    store = new EpisodeStore(redis, options);
    stormStore = new EpisodeStore(redis, stormOptions);
    storms = new StormEpisodes(redis, stormLimits);
  });
  afterEach(async () => {
    try {
      await expectRedisHygiene(redis);
    } finally {
      await flushAll(redis);
    }
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  describe(`Lua boundaries on ${topology} Redis`, () => {
    describe('HA window: the last delivery key again within haWindow seconds of the last delivery is a copy', () => {
      it('a copy exactly haWindow seconds after the last delivery is a repeat, one second earlier a redelivery', async () => {
        const firing = one({});
        await observe([firing], t0);
        await store.confirm('default', firing.fingerprint, s0);
        expect(await observe([firing], t0 + 59)).toEqual([{ kind: 'redelivered', episodeStart: s0, occurrenceCount: 2, statusWriteDue: true, noRecord: false }]);
        // The window runs from the last delivery (the redelivery at t0 + 59), not from the first.
        expect(await observe([firing], t0 + 59 + 59)).toEqual([{ kind: 'redelivered', episodeStart: s0, occurrenceCount: 3, statusWriteDue: false, noRecord: false }]);
        expect(await observe([firing], t0 + 118 + 60)).toEqual([{ kind: 'repeated', episodeStart: s0, occurrenceCount: 4, statusWriteDue: false, noRecord: false }]);
        expect(await store.read('default', firing.fingerprint)).toMatchObject({ lastSeen: t0 + 178, occurrenceCount: 4, lastOutcome: 'repeated' });
      });

      it('a copy of the same alert with another delivery key within haWindow is a repeat, with the same key a redelivery', async () => {
        const firing = one({});
        // The same alert (same startsAt) in a notification to another receiver: another delivery key.
        const elsewhere: Signal = {
          ...firing,
          deliveryKey: deliveryKey({ receiver: 'another-receiver', groupKey: firing.groupKey, alertFingerprint: firing.alertmanagerFingerprint ?? '', startsAt: firing.startsAt, status: 'firing' }),
        };
        await observe([firing], t0);
        await store.confirm('default', firing.fingerprint, s0);
        const before = await store.read('default', firing.fingerprint);
        expect(await observe([elsewhere], t0 + 1)).toEqual([{ kind: 'repeated', episodeStart: s0, occurrenceCount: 2, statusWriteDue: true, noRecord: false }]);
        const after = await store.read('default', firing.fingerprint);
        // Only the delivery key differs, and it differs in the 8 bits the record keeps.
        expect(after?.deliveryHash).not.toBe(before?.deliveryHash);
        expect(after?.alerts).toEqual(before?.alerts);
        expect(await observe([elsewhere], t0 + 2)).toEqual([{ kind: 'redelivered', episodeStart: s0, occurrenceCount: 3, statusWriteDue: false, noRecord: false }]);
      });
    });

    describe('storm detection: more than `threshold` distinct new resources within the detection window', () => {
      it('threshold resources open episodes; one more, one second before the window ends, opens a storm (trigger resources)', async () => {
        expect(await observeOn(stormStore, pods(threshold), t0)).toEqual({
          results: Array.from({ length: threshold }, () => ({ kind: 'opened', episodeStart: s0, occurrenceCount: 1, statusWriteDue: false, noRecord: true })),
          storms: [],
        });
        // The detection set lives for the detection window after its last change.
        const ttl = await redis.pttl(keysOfStorm.detection);
        expect(ttl).toBeGreaterThan(options.storm.detectionWindowSeconds * 1000 - 5_000);
        expect(ttl).toBeLessThanOrEqual(options.storm.detectionWindowSeconds * 1000);
        expect(await observeOn(stormStore, pods(1, threshold), t0 + 59)).toEqual({
          results: [{ kind: 'stormed', episodeStart: t0 + 59, occurrenceCount: 0, statusWriteDue: false, noRecord: false }],
          storms: [{ stormPart, dueAt: t0 + 59 + options.storm.inactivitySeconds }],
        });
        expect(await redis.hmget(keysOfStorm.storm, '_t', '_n', '_s')).toEqual(['2', '1', String(t0 + 59)]);
        // The storm took over: the detection set is gone.
        expect(await redis.exists(keysOfStorm.detection)).toBe(0);
      });

      it('a resource seen exactly detectionWindow seconds ago no longer counts: the next new one opens an episode', async () => {
        await observeOn(stormStore, pods(threshold), t0);
        expect(await observeOn(stormStore, pods(1, threshold), t0 + 60)).toEqual({
          results: [{ kind: 'opened', episodeStart: s0, occurrenceCount: 1, statusWriteDue: false, noRecord: true }],
          storms: [],
        });
        expect(await redis.exists(keysOfStorm.storm)).toBe(0);
        expect(await redis.zcard(keysOfStorm.detection)).toBe(1);
      });
    });

    describe('truncated payload: any alert Alertmanager truncated from the storm key group opens a storm', () => {
      it('one truncated alert opens a storm with trigger truncated-payload, none opens an episode', async () => {
        expect(await observeOn(stormStore, [one({})], t0, new Map([[stormPart, 0]]))).toEqual({
          results: [{ kind: 'opened', episodeStart: s0, occurrenceCount: 1, statusWriteDue: false, noRecord: true }],
          storms: [],
        });
        expect(await redis.exists(keysOfStorm.storm)).toBe(0);
        const elsewhere = one({ labels: { namespace: 'shop' } });
        expect(await observeOn(stormStore, [elsewhere], t0, new Map([[stormPartOf(elsewhere.fingerprint), 1]]))).toEqual({
          results: [{ kind: 'stormed', episodeStart: t0, occurrenceCount: 0, statusWriteDue: false, noRecord: false }],
          storms: [{ stormPart: stormPartOf(elsewhere.fingerprint), dueAt: t0 + options.storm.inactivitySeconds }],
        });
        expect(await redis.hget(stormKeysOf(elsewhere).storm, '_t')).toBe('3');
      });

      it('with a truncated payload, threshold resources name the trigger truncated-payload and one more names it resources', async () => {
        const atThreshold = pods(threshold);
        const beyond = pods(threshold + 1, 0, { labels: { namespace: 'shop' } });
        const truncated = new Map([[stormPartOf(atThreshold[0]?.fingerprint ?? ''), 3], [stormPartOf(beyond[0]?.fingerprint ?? ''), 3]]);
        expect(await kinds([...atThreshold, ...beyond], t0, stormStore, truncated)).toEqual(Array<string>(2 * threshold + 1).fill('stormed'));
        expect(await redis.hget(stormKeysOf(atThreshold[0]).storm, '_t')).toBe('3');
        expect(await redis.hget(stormKeysOf(beyond[0]).storm, '_t')).toBe('2');
      });
    });

    describe(`alerts tracked per episode: at most ${maxEpisodeAlerts}`, () => {
      const ids = (signals: Signal[]) => signals.map(alertDigest);

      it(`the ${maxEpisodeAlerts}th alert of a resource joins its episode, the ${maxEpisodeAlerts + 1}th is counted but not tracked`, async () => {
        const tracked = containers(0, maxEpisodeAlerts);
        const [first] = tracked as [Signal];
        await observe([first], t0);
        await store.confirm('default', first.fingerprint, s0);
        expect(await kinds(tracked.slice(1), t0 + 1)).toEqual(Array<string>(maxEpisodeAlerts - 1).fill('joined'));
        const full = await store.read('default', first.fingerprint);
        expect(full?.alerts.map((alert) => alert.id)).toEqual(ids(tracked));
        expect(await observe(containers(maxEpisodeAlerts, maxEpisodeAlerts + 1), t0 + 2)).toEqual([
          { kind: 'repeated', episodeStart: s0, occurrenceCount: maxEpisodeAlerts + 1, statusWriteDue: false, noRecord: false },
        ]);
        expect(await store.read('default', first.fingerprint)).toEqual({
          ...full,
          occurrenceCount: maxEpisodeAlerts + 1,
          lastSeen: t0 + 2,
          lastOutcome: 'repeated',
          deliveryHash: expect.any(Number) as unknown,
        });
      });

      it(`a resolve of an alert the episode never saw is remembered on a record of ${maxEpisodeAlerts - 1} alerts, not on one of ${maxEpisodeAlerts}`, async () => {
        const onPod = (pod: string, from: number, to: number, overrides: AlertOverrides = {}) => containers(from, to, { ...overrides, labels: { pod, ...overrides.labels } });
        const unseen = (pod: string) => onPod(pod, maxEpisodeAlerts + 1, maxEpisodeAlerts + 2, { status: 'resolved' });
        const roomy = onPod('web-roomy', 0, maxEpisodeAlerts - 1);
        const crowded = onPod('web-crowded', 0, maxEpisodeAlerts);
        await observe([...roomy, ...crowded], t0);
        expect(await observe([...unseen('web-roomy'), ...unseen('web-crowded')], t0 + 1)).toEqual([
          { kind: 'tombstone', episodeStart: s0, occurrenceCount: maxEpisodeAlerts - 1, statusWriteDue: false, noRecord: false },
          { kind: 'tombstone', episodeStart: s0, occurrenceCount: maxEpisodeAlerts, statusWriteDue: false, noRecord: false },
        ]);
        const alertsOf = async (signal: Signal | undefined) => (await store.read('default', signal?.fingerprint ?? ''))?.alerts;
        expect(await alertsOf(roomy[0])).toEqual([
          ...ids(roomy).map((id) => ({ id, firing: true, startsAt: s0 })),
          { id: alertDigest(unseen('web-roomy')[0] as Signal), firing: false, startsAt: s0 },
        ]);
        expect(await alertsOf(crowded[0])).toEqual(ids(crowded).map((id) => ({ id, firing: true, startsAt: s0 })));
      });

      it(`a new episode carries over at most ${maxEpisodeAlerts} alerts: its own and ${maxEpisodeAlerts - 1} of the closed one`, async () => {
        const tracked = containers(0, maxEpisodeAlerts);
        const [first] = tracked as [Signal];
        await observe(tracked, t0);
        await store.confirm('default', first.fingerprint, s0);
        expect(await kinds(containers(0, maxEpisodeAlerts, { status: 'resolved' }), t0 + 1)).toEqual([
          ...Array<string>(maxEpisodeAlerts - 1).fill('member-resolved'),
          'closed',
        ]);
        const next = containers(maxEpisodeAlerts, maxEpisodeAlerts + 1, { startsAt: laterStart });
        expect(await observe(next, t0 + 2)).toEqual([{ kind: 'opened', episodeStart: unixSeconds(laterStart), occurrenceCount: 1, statusWriteDue: false, noRecord: false }]);
        expect((await store.read('default', first.fingerprint))?.alerts).toEqual([
          { id: alertDigest(next[0] as Signal), firing: true, startsAt: unixSeconds(laterStart) },
          ...ids(tracked)
            .slice(0, maxEpisodeAlerts - 1)
            .map((id) => ({ id, firing: false, startsAt: s0 })),
        ]);
      });
    });

    describe("episode start: another alert starting in the closed episode's second names its episode start + 1", () => {
      it("an alert starting in the same second as the closed episode opens start + 1; confirming the old start is superseded, the new one firing", async () => {
        const app = one({ labels: { container: 'app' } });
        await observe([app], t0);
        await store.confirm('default', app.fingerprint, s0);
        await observe([one({ status: 'resolved', labels: { container: 'app' } })], t0 + 1);
        expect(await observe([one({ labels: { container: 'sidecar' } })], t0 + 2)).toEqual([
          { kind: 'opened', episodeStart: s0 + 1, occurrenceCount: 1, statusWriteDue: false, noRecord: false },
        ]);
        expect(await store.confirm('default', app.fingerprint, s0)).toEqual({ state: 'superseded', episodeStart: s0, occurrenceCount: 0, lastSeen: 0 });
        expect(await store.confirm('default', app.fingerprint, s0 + 1)).toEqual({ state: 'firing', episodeStart: s0 + 1, occurrenceCount: 1, lastSeen: t0 + 2 });
      });

      it('an alert starting one second after the closed episode keeps its own start', async () => {
        const app = one({ labels: { container: 'app' } });
        await observe([app], t0);
        await store.confirm('default', app.fingerprint, s0);
        await observe([one({ status: 'resolved', labels: { container: 'app' } })], t0 + 1);
        const oneSecondLater = new Date((s0 + 1) * 1000).toISOString();
        expect(await observe([one({ startsAt: oneSecondLater, labels: { container: 'sidecar' } })], t0 + 2)).toEqual([
          { kind: 'opened', episodeStart: s0 + 1, occurrenceCount: 1, statusWriteDue: false, noRecord: false },
        ]);
      });
    });

    describe('storm window: closes at min(last new resource + inactivity, start + maxWindow)', () => {
      it('the window is not due one second before last new resource + inactivity and closes exactly then', async () => {
        await openStorm();
        expect(await storms.due('default', stormPart, t0 + 59)).toEqual({ kind: 'not-due', previous: 0, dueAt: t0 + 60 });
        expect(await storms.due('default', stormPart, t0 + 60)).toEqual({ kind: 'create', previous: 0, storm: snapshot() });
        // Claimed for the create: a second sweep resumes the same create.
        expect(await redis.hget(keysOfStorm.storm, '_p')).toBe(stormPhases.creating);
      });

      it('maxWindow seconds after the start close the window while new resources keep arriving, one second earlier they do not', async () => {
        await openStorm();
        const dueAts: number[] = [];
        for (const [index, offset] of [50, 100, 150, 200, 250].entries()) {
          const { results, storms: touched } = await observeOn(stormStore, pods(1, threshold + 1 + index), t0 + offset);
          expect(results.map((result) => result.kind)).toEqual(['stormed']);
          dueAts.push(...touched.map((touch) => touch.dueAt));
        }
        // Each new resource moves the end by inactivity, until the maximum window binds.
        expect(dueAts).toEqual([t0 + 110, t0 + 160, t0 + 210, t0 + 260, t0 + 300]);
        expect(await storms.due('default', stormPart, t0 + 299)).toEqual({ kind: 'not-due', previous: 0, dueAt: t0 + 300 });
        const resources = threshold + 6;
        expect(await storms.due('default', stormPart, t0 + 300)).toEqual({
          kind: 'create',
          previous: 0,
          storm: snapshot({ lastNewResource: t0 + 250, lastSeen: t0 + 250 }, resources),
        });
      });

      it('a re-sent member and a new alert of a listed resource leave the window end where it is; a new resource moves it', async () => {
        await openStorm();
        const resent = await observeOn(stormStore, pods(1), t0 + 20);
        expect(resent).toEqual({ results: [{ kind: 'absorbed', episodeStart: t0, occurrenceCount: 0, statusWriteDue: false, noRecord: false }], storms: [{ stormPart, dueAt: t0 + 60 }] });
        const sidecar = await observeOn(stormStore, pods(1, 0, { labels: { container: 'sidecar' } }), t0 + 30);
        expect(sidecar).toEqual({ results: [{ kind: 'stormed', episodeStart: t0, occurrenceCount: 0, statusWriteDue: false, noRecord: false }], storms: [{ stormPart, dueAt: t0 + 60 }] });
        expect(await storms.due('default', stormPart, t0 + 59)).toEqual({ kind: 'not-due', previous: 0, dueAt: t0 + 60 });
        const fresh = await observeOn(stormStore, pods(1, threshold + 1), t0 + 40);
        expect(fresh.storms).toEqual([{ stormPart, dueAt: t0 + 100 }]);
        expect(await storms.due('default', stormPart, t0 + 99)).toEqual({ kind: 'not-due', previous: 0, dueAt: t0 + 100 });
        expect(await redis.hmget(keysOfStorm.storm, '_l', '_w', '_n', '_m')).toEqual([String(t0 + 40), String(t0 + 40), String(threshold + 2), String(threshold + 3)]);
      });
    });

    describe('storm idleness: an open storm without occurrences for the idle TTL ends', () => {
      it('an open storm is not idle one second before idleTtl after its last occurrence and ends exactly then', async () => {
        await openStorm();
        expect(await storms.due('default', stormPart, t0 + 60)).toMatchObject({ kind: 'create' });
        expect(await storms.created('default', stormPart, t0)).toEqual(snapshot());
        expect(await storms.statusWritten('default', stormPart, t0, threshold + 2, t0 + 61)).toEqual({ kind: 'idle', dueAt: t0 + 3_600 });
        expect(await storms.due('default', stormPart, t0 + 3_599)).toEqual({ kind: 'not-due', previous: 0, dueAt: t0 + 3_600 });
        expect(await storms.due('default', stormPart, t0 + 3_600)).toEqual({ kind: 'write', previous: 0, storm: snapshot({ ended: true, version: threshold + 3 }) });
      });

      it('a status write of an older version than the storm asks again after the status interval; of the current one it waits for idleness', async () => {
        await openStorm();
        await storms.due('default', stormPart, t0 + 60);
        await storms.created('default', stormPart, t0);
        const version = threshold + 2;
        expect(await storms.statusWritten('default', stormPart, t0, version - 1, t0 + 61)).toEqual({ kind: 'again', dueAt: t0 + 61 + options.statusWriteIntervalSeconds });
        expect(await storms.statusWritten('default', stormPart, t0, version, t0 + 62)).toEqual({ kind: 'idle', dueAt: t0 + 3_600 });
        expect(await redis.hmget(keysOfStorm.storm, '_W', '_v')).toEqual([String(version), String(version)]);
      });
    });

    describe('storm end: the resolve of its last firing member ends a storm', () => {
      it('a storm goes on while one member still fires and ends with the resolve of the last one', async () => {
        await openStorm();
        expect(await kinds(pods(threshold, 0, { status: 'resolved' }), t0 + 1, stormStore)).toEqual(Array<string>(threshold).fill('storm-member-resolved'));
        expect(await redis.hmget(keysOfStorm.storm, '_E', '_f', '_r')).toEqual(['0', '1', String(threshold)]);
        expect(await observeOn(stormStore, pods(1, threshold, { status: 'resolved' }), t0 + 2)).toEqual({
          results: [{ kind: 'storm-resolved', episodeStart: t0, occurrenceCount: 0, statusWriteDue: false, noRecord: false }],
          // Ended before its request exists: the sweep creates it Resolved, now.
          storms: [{ stormPart, dueAt: t0 + 2 }],
        });
        expect(await redis.hmget(keysOfStorm.storm, '_E', '_f', '_r')).toEqual(['1', '0', String(threshold + 1)]);
      });
    });

    describe('resource cap: a storm lists at most resourceCap resources, counts the others', () => {
      it('the resourceCap-th resource is listed, the next one only counted (overflow), and it still moves the window', async () => {
        const cap = threshold + 1;
        const capped = new EpisodeStore(redis, { ...stormOptions, storm: { ...stormOptions.storm, resourceCap: cap } });
        expect(await kinds(pods(cap), t0, capped)).toEqual(Array<string>(cap).fill('stormed'));
        expect(await redis.hmget(keysOfStorm.storm, '_n', '_l')).toEqual([String(cap), String(t0)]);
        expect(await redis.pfcount(keysOfStorm.overflow)).toBe(0);
        expect(await kinds(pods(1, cap), t0 + 1, capped)).toEqual(['stormed']);
        expect(await redis.hmget(keysOfStorm.storm, '_n', '_l', '_m')).toEqual([String(cap), String(t0 + 1), String(cap + 1)]);
        expect(await redis.pfcount(keysOfStorm.overflow)).toBe(1);
      });
    });

    describe('due index: an entry is due at its due time (inclusive), at most `limit` per bucket and claim', () => {
      it('an entry is not claimed one second before its due time, is claimed exactly at it, and is leased until now + lease + 0.5', async () => {
        const due = new DueIndex(redis);
        const member = stormWindowMember('default', stormPart);
        await due.add([{ member, dueAt: t0 }]);
        expect(await due.claim(t0 - 1, 60, 10)).toEqual([]);
        expect(await redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBe(String(t0));
        expect(await due.claim(t0, 60, 10)).toEqual([{ member, claimedUntil: t0 + 60.5 }]);
        expect(await redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBe(String(t0 + 60.5));
      });

      it('a claim takes `limit` of three due entries of one bucket, the next claim the third', async () => {
        const due = new DueIndex(redis);
        // Three members that land in one bucket.
        const byBucket = new Map<number, string[]>();
        for (let index = 0; ![...byBucket.values()].some((members) => members.length === 3); index += 1) {
          const member = stormWindowMember('default', index.toString(16).padStart(12, '0'));
          byBucket.set(dueBucketOf(member), [...(byBucket.get(dueBucketOf(member)) ?? []), member]);
        }
        const members = [...byBucket.values()].find((list) => list.length === 3) as string[];
        await due.add(members.map((member) => ({ member, dueAt: t0 })));
        const first = await due.claim(t0, 60, 2);
        expect(first).toHaveLength(2);
        const second = await due.claim(t0, 60, 2);
        expect([...first, ...second].map((entry) => entry.member).sort()).toEqual([...members].sort());
        expect(second).toHaveLength(1);
      });
    });

    describe('rate budget: a theoretical arrival time in the past is clamped to now', () => {
      // One alert every 10 s, 5 at once: the tolerance is 50 s, the key lives as long as its arrival time is ahead.
      const emissionMicros = 10_000_000;
      const redisNowMicros = async () => {
        const [seconds, micros] = await redis.time();
        return Number(seconds) * 1_000_000 + Number(micros);
      };

      it('a take after long idleness (arrival time far in the past) is allowed and counts from now; the key lives one emission interval + 1 ms', async () => {
        const budget = new TenantRateBudget(redis, { alertsPerSecond: 1_000_000 / emissionMicros, burst: 5 });
        const key = rateBudgetKey('default');
        const before = await redisNowMicros();
        await redis.set(key, String(before - 2_000_000_000), 'PX', 60_000);
        expect(await budget.take('default', 1)).toEqual({ allowed: true });
        const ttl = await redis.pttl(key);
        const after = await redisNowMicros();
        const arrival = Number(await redis.get(key));
        expect(arrival).toBeGreaterThanOrEqual(before + emissionMicros);
        expect(arrival).toBeLessThanOrEqual(after + emissionMicros);
        // As long as the arrival time is ahead (a second's slack for a slow machine), and not longer.
        expect(ttl).toBeGreaterThan(emissionMicros / 1000 - 1_000);
        expect(ttl).toBeLessThanOrEqual(emissionMicros / 1000 + 1);
      });

      it('a take with the arrival time still ahead adds the emission interval to it, unclamped', async () => {
        const budget = new TenantRateBudget(redis, { alertsPerSecond: 1_000_000 / emissionMicros, burst: 5 });
        const key = rateBudgetKey('default');
        const ahead = (await redisNowMicros()) + 2 * emissionMicros;
        await redis.set(key, String(ahead), 'PX', 60_000);
        expect(await budget.take('default', 1)).toEqual({ allowed: true });
        expect(await redis.get(key)).toBe(String(ahead + emissionMicros));
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan((3 * emissionMicros) / 1000 - 1_000);
        expect(ttl).toBeLessThanOrEqual((3 * emissionMicros) / 1000 + 1);
      });
    });
  });
}
