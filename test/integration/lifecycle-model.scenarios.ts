import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalizeWebhook } from '../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../lib/alertmanager/parse-webhook.js';
import type { DedupBatch } from '../../lib/dedup/dedup-batch.js';
import { processDedupBatch } from '../../lib/dedup/process-batch.js';
import { remediationRequestName } from '../../lib/domain/request-name.js';
import { unixSeconds } from '../../lib/domain/time.js';
import { createKubeClient } from '../../lib/kube/client.js';
import { KubeGuard } from '../../lib/kube/kube-guard.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { DueIndex } from '../../lib/redis/due-index.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { StormEpisodes } from '../../lib/redis/storm-episodes.js';
import { sweepDueWork } from '../../lib/sweep/sweep-due-work.js';
import { type SimEvent, simulateAlertmanager, type SimNotification } from '../support/alertmanager-simulator.js';
import { type KubeObject, KubeStandin } from '../../local/kube-standin/server.js';
import { type RunningRedis, redisTargetOf, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import { flushAll } from '../support/redis-keys.js';

/*
 * Model-based property test of docs/LIFECYCLE.md: fast-check writes the ground truth (alerts firing and
 * resolving over hours, in quiet keys and in storm waves), the Alertmanager simulator turns it into the
 * notifications a real Alertmanager sends (group_wait, group_interval and repeat_interval re-sends of the
 * whole group, send_resolved, HA peers), and the delivery faults of the issue are applied: async
 * invocations reordered (up to 10 minutes), Lambda retries (minutes), DLQ redrives (hours), Redis flushed.
 * The real dedup and sweep code runs on real Redis and the Kubernetes stand-in, on a virtual clock. The
 * oracle derives from the ground truth and the order deliveries were processed in which requests must
 * exist and which must be Resolved, and the test asserts exactly that.
 */

const minute = 60_000;
const epochIso = '2026-11-30T00:00:00Z';
const epochMs = Date.parse(epochIso);
const threshold = 5;
const namespace = 'stormgate';
const config = { groupBy: ['alertname', 'namespace'], groupWaitMs: 30_000, groupIntervalMs: 5 * minute, repeatIntervalMs: 4 * 60 * minute, sendResolved: true, maxAlerts: 0, startTimeIso: epochIso };
const maxLagMs = 10 * minute;
const sweepEveryMs = 10 * minute;

/** A quiet key: a few pods (never a storm), each firing and resolving on its own. */
interface QuietKey {
  readonly kind: 'quiet';
  readonly pods: readonly { readonly episodes: readonly { readonly fireAt: number; readonly lastsMinutes: number | null }[] }[];
}
/** A storm key: waves of more pods than the threshold firing at once, joiners, then each resolving. */
interface StormKey {
  readonly kind: 'storm';
  readonly waves: readonly { readonly pods: number; readonly joiners: readonly number[]; readonly resolveAfter: readonly number[] | null }[];
  readonly startMinute: number;
}
type KeySpec = QuietKey | StormKey;

interface Scenario {
  readonly keys: readonly KeySpec[];
  readonly haPeers: number;
  readonly holdSeconds: number;
  /** Per notification (cycled): extra lag of its processing, whether Lambda retries it, whether it is redriven later. */
  readonly lags: readonly number[];
  readonly retries: readonly boolean[];
  readonly redrives: readonly boolean[];
  /** A Redis flush at this minute, between storm waves (or none). */
  readonly flushAtMinute: number | null;
}

// Quiet episodes of one pod: each resolves before the next fires, with gaps Alertmanager notifies.
const quietKey: fc.Arbitrary<QuietKey> = fc.record({
  kind: fc.constant('quiet' as const),
  pods: fc.array(
    fc
      .array(fc.record({ gap: fc.integer({ min: 20, max: 180 }), lastsMinutes: fc.option(fc.integer({ min: 1, max: 90 }), { nil: null }) }), { minLength: 1, maxLength: 2 })
      .map((episodes) => {
        let at = 0;
        const result: { fireAt: number; lastsMinutes: number | null }[] = [];
        for (const episode of episodes) {
          at += episode.gap;
          result.push({ fireAt: at, lastsMinutes: episode.lastsMinutes });
          if (episode.lastsMinutes === null) break;
          at += episode.lastsMinutes;
        }
        return { episodes: result };
      }),
    { minLength: 1, maxLength: 3 },
  ),
});

const stormKey: fc.Arbitrary<StormKey> = fc.record({
  kind: fc.constant('storm' as const),
  startMinute: fc.integer({ min: 1, max: 60 }),
  waves: fc.array(
    fc.record({
      pods: fc.integer({ min: threshold + 1, max: 9 }),
      joiners: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 2 }),
      resolveAfter: fc.option(fc.array(fc.integer({ min: 15, max: 60 }), { minLength: 11, maxLength: 11 }), { nil: null, freq: 4 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

const scenario: fc.Arbitrary<Scenario> = fc.record({
  keys: fc.array(fc.oneof(quietKey, stormKey), { minLength: 1, maxLength: 3 }),
  haPeers: fc.integer({ min: 1, max: 2 }),
  holdSeconds: fc.constantFrom(0, 3),
  lags: fc.array(fc.integer({ min: 0, max: maxLagMs }), { minLength: 1, maxLength: 16 }),
  retries: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  redrives: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
  flushAtMinute: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null, freq: 3 }),
});

interface Truth {
  readonly events: SimEvent[];
  /** Storm waves: their namespace, their pods' alert occurrences (pod → fire time), and whether all resolve. */
  readonly waves: { namespace: string; fires: Map<string, number>; resolved: boolean; from: number; to: number }[];
  readonly stormNamespaces: Set<string>;
}

/**
 * How pods are named. `resource`: each pod its own signal (`q-0`, `s-3`). `owner`: every pod a Deployment's
 * (`<deployment>-<hash>-<suffix>`); a quiet pod's episodes are new pods of the same Deployment, as a
 * rollout or a crash-looping Deployment makes them, and each storm member is another Deployment's pod.
 */
const podNames = {
  resource: { quiet: (pod: number) => `q-${pod}`, storm: (pod: number) => `s-${pod}` },
  owner: { quiet: (pod: number, episode: number) => `q${pod}-7d9f8b6c5-x2x4${'bcdfghjklm'[episode] ?? 'z'}`, storm: (pod: number) => `s${pod}-7d9f8b6c5-x2x4q` },
} as const;
type ModelStrategy = keyof typeof podNames;

/** Ground truth events; storm keys in namespaces storm-<i>, quiet keys in quiet-<i>; waves an hour apart. */
function groundTruth(spec: Scenario, strategy: ModelStrategy): Truth {
  const names = podNames[strategy];
  const events: SimEvent[] = [];
  const waves: Truth['waves'] = [];
  const stormNamespaces = new Set<string>();
  const labels = (ns: string, pod: string) => ({ alertname: 'KubePodNotReady', namespace: ns, pod, severity: 'critical' });
  spec.keys.forEach((key, index) => {
    if (key.kind === 'quiet') {
      const ns = `quiet-${index}`;
      key.pods.forEach((pod, podIndex) => {
        pod.episodes.forEach((episode, episodeIndex) => {
          const name = names.quiet(podIndex, episodeIndex);
          events.push({ at: episode.fireAt * minute, kind: 'fire', alert: { labels: labels(ns, name) } });
          if (episode.lastsMinutes !== null) events.push({ at: (episode.fireAt + episode.lastsMinutes) * minute, kind: 'resolve', alert: { labels: labels(ns, name) } });
        });
      });
      return;
    }
    const ns = `storm-${index}`;
    stormNamespaces.add(ns);
    let at = key.startMinute;
    for (const wave of key.waves) {
      const fires = new Map<string, number>();
      const members = Array.from({ length: wave.pods }, (_, pod) => ({ pod: names.storm(pod), at }));
      wave.joiners.forEach((offset, joiner) => members.push({ pod: names.storm(wave.pods + joiner), at: at + offset }));
      const lastJoin = Math.max(...members.map((member) => member.at));
      let end = lastJoin;
      members.forEach((member, position) => {
        events.push({ at: member.at * minute, kind: 'fire', alert: { labels: labels(ns, member.pod) } });
        fires.set(member.pod, member.at * minute);
        if (wave.resolveAfter !== null) {
          const resolveAt = lastJoin + (wave.resolveAfter[position] ?? 15);
          end = Math.max(end, resolveAt);
          events.push({ at: resolveAt * minute, kind: 'resolve', alert: { labels: labels(ns, member.pod) } });
        }
      });
      waves.push({ namespace: ns, fires, resolved: wave.resolveAfter !== null, from: at * minute, to: end * minute });
      if (wave.resolveAfter === null) break;
      at = end + 60;
    }
  });
  return { events: events.sort((a, b) => a.at - b.at), waves, stormNamespaces };
}

interface Processing {
  readonly at: number;
  readonly notification: SimNotification;
  readonly requestId: string;
}

/** When each delivery is processed: reordered async invocations, Lambda retries, DLQ redrives. */
function processingOrder(notifications: readonly SimNotification[], spec: Scenario, redrivesAllowed: boolean): Processing[] {
  const cycle = <T>(values: readonly T[], index: number) => values[index % values.length] as T;
  const order: Processing[] = [];
  notifications.forEach((notification, index) => {
    const requestId = `delivery-${index}`;
    const at = notification.at + cycle(spec.lags, index);
    order.push({ at, notification, requestId });
    if (cycle(spec.retries, index)) order.push({ at: at + minute + cycle(spec.lags, index + 1), notification, requestId });
    if (redrivesAllowed && cycle(spec.redrives, index)) order.push({ at: at + 3 * 60 * minute, notification, requestId });
  });
  return order.sort((a, b) => a.at - b.at);
}

/** The lifecycle model on real Redis of the given topology; `runs` scenarios. */
const noGate = { minFiringSeconds: 0, resolveGraceSeconds: 0, cooldownSeconds: 0 };

export function lifecycleModelScenarios(topology: 'standalone' | 'cluster', runs: number, strategy: ModelStrategy = 'resource'): void {
  let server: RunningRedis;
  let redis: RedisClient;
  let standin: KubeStandin;
  let writer: RemediationRequestWriter;

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster() : await startRedisStandalone();
    redis = createRedisClient(redisTargetOf(server));
    standin = await KubeStandin.start({ token: 'standin-token' });
    const client = await createKubeClient({ mode: 'token', server: standin.url, token: 'standin-token' }, { region: 'us-east-1' });
    writer = new RemediationRequestWriter(client, namespace, new KubeGuard({ sleep: async () => undefined }));
  });
  afterEach(async () => {
    await flushAll(redis);
    standin.reset();
  });
  afterAll(async () => {
    await redis?.quit();
    await standin?.stop();
    await server?.stop();
  });

  async function run(spec: Scenario): Promise<void> {
    await flushAll(redis);
    standin.reset();
    const truth = groundTruth(spec, strategy);
    const notifications = simulateAlertmanager(truth.events, config, {
      haPeers: spec.haPeers,
      haJitterMs: (peer, index) => peer * ((index * 1_777) % 5_000),
    });
    // A flush falls between storm waves (LIFECYCLE.md "Redis lost its state": a storm's members resolving
    // after the storm's state was lost is a known limit), and redrives are not combined with a flush.
    const flushAt = spec.flushAtMinute === null ? null : spec.flushAtMinute * minute;
    const flushUsable = flushAt !== null && truth.waves.every((wave) => flushAt < wave.from - 25 * minute || flushAt > wave.to + 40 * minute);
    const order = processingOrder(notifications, spec, !flushUsable);

    let clock = 0;
    const now = () => new Date(epochMs + clock);
    const episodes = new EpisodeStore(redis, {
      idleTtlSeconds: 86_400,
      closedTtlSeconds: 21_600,
      haWindowSeconds: 120,
      retryHorizonSeconds: 21_600,
      statusWriteIntervalSeconds: 10,
      storm: { scope: 'namespace', threshold, detectionWindowSeconds: 60, holdSeconds: spec.holdSeconds, resourceCap: 200, inactivitySeconds: 60, maxWindowSeconds: 300 },
    });
    const dueIndex = new DueIndex(redis);
    const storms = new StormEpisodes(redis, { inactivitySeconds: 60, maxWindowSeconds: 300, idleTtlSeconds: 86_400, closedTtlSeconds: 21_600, statusWriteIntervalSeconds: 10 });
    const dedupDeps = {
      gate: noGate,
      episodes,
      dueIndex,
      writer,
      namespace,
      statusWriteIntervalSeconds: 10,
      storm: { holdSeconds: spec.holdSeconds, scope: 'namespace' as const },
      now,
      sleep: async (milliseconds: number) => {
        clock += milliseconds;
      },
    };
    const sweepDeps = { gate: noGate, dueIndex, episodes, storms, writer, namespace, statusWriteIntervalSeconds: 10, leaseSeconds: 60, claimLimit: 200, now };
    let nextSweep = sweepEveryMs;
    let flushed = flushAt === null || !flushUsable;
    let flushes = 0;
    const advanceTo = async (target: number) => {
      while (nextSweep <= target) {
        clock = Math.max(clock, nextSweep);
        if (!flushed && (flushAt as number) <= clock) {
          await flushAll(redis);
          flushed = true;
          flushes += 1;
        }
        await sweepDueWork(sweepDeps);
        nextSweep += sweepEveryMs;
      }
      clock = Math.max(clock, target);
    };

    // Which alert occurrences were processed, in which order, and how.
    const occurrences = new Map<
      string,
      {
        fingerprint: string;
        startsAt: number;
        firstStatus: 'firing' | 'resolved';
        resolvedSeen: boolean;
        namespace: string;
        pod: string;
        /** Flushes before its first processed delivery. */
        flushesBefore: number;
        /** Resolved first, then a firing copy processed after Redis lost the tombstone (LIFECYCLE.md, known limits). */
        firingAfterLostTombstone: boolean;
      }
    >();
    for (const processing of order) {
      await advanceTo(processing.at);
      const payload = parseWebhook(JSON.stringify(processing.notification.payload));
      const signals = normalizeWebhook(payload, { tenant: 'default', receivedAt: now().toISOString(), strategy, stormScope: 'namespace' });
      for (const signal of signals) {
        const key = `${signal.fingerprint}/${signal.startsAt}`;
        const known = occurrences.get(key);
        if (!known) {
          occurrences.set(key, {
            fingerprint: signal.fingerprint,
            startsAt: unixSeconds(signal.startsAt),
            firstStatus: signal.status,
            resolvedSeen: signal.status === 'resolved',
            namespace: signal.labels.namespace ?? '',
            pod: signal.labels.pod ?? '',
            flushesBefore: flushes,
            firingAfterLostTombstone: false,
          });
        } else if (signal.status === 'resolved') {
          known.resolvedSeen = true;
        } else if (known.firstStatus === 'resolved' && flushes > known.flushesBefore) {
          known.firingAfterLostTombstone = true;
        }
      }
      const batch: DedupBatch = { tenant: 'default', requestId: processing.requestId, truncatedAlerts: payload.truncatedAlerts, groupLabels: payload.groupLabels, signals };
      await processDedupBatch(batch, dedupDeps);
    }
    // Past every window and status interval: sweep until nothing is due.
    await advanceTo(Math.max(clock, nextSweep) + 60 * minute);
    for (let round = 0; round < 10; round += 1) {
      clock += 10 * minute;
      if ((await sweepDueWork(sweepDeps)).claimed === 0) break;
    }

    // The oracle.
    const requests = standin.list('remediationrequests', namespace);
    const aggregated = requests.filter((request) => request.metadata.labels?.['stormgate.dev/storm'] === 'true');
    const individual = requests.filter((request) => request.metadata.labels?.['stormgate.dev/storm'] !== 'true');
    const state = (request: KubeObject | undefined) => (request?.status as { signal?: { state?: string } } | undefined)?.signal?.state;

    // Quiet keys: one request per alert occurrence whose first processed delivery was firing, named by it;
    // Resolved exactly when its resolve was delivered. Nothing for an occurrence whose resolve came first.
    const expectedIndividual = [...occurrences.values()]
      .filter((occurrence) => !truth.stormNamespaces.has(occurrence.namespace) && occurrence.firstStatus === 'firing')
      .map((occurrence) => [remediationRequestName(occurrence.fingerprint, occurrence.startsAt), occurrence.resolvedSeen ? 'Resolved' : 'Firing'])
      .sort();
    // A resolve processed first leaves only a tombstone in Redis: a firing copy processed after Redis lost
    // it cannot be told from a new alert, and may get a request (LIFECYCLE.md, "Redis lost its state").
    const unknowable = new Set(
      [...occurrences.values()].filter((occurrence) => occurrence.firingAfterLostTombstone).map((occurrence) => remediationRequestName(occurrence.fingerprint, occurrence.startsAt)),
    );
    const actualIndividual = individual
      .filter((request) => !unknowable.has(request.metadata.name))
      .map((request) => [request.metadata.name, state(request)])
      .sort();
    expect(actualIndividual).toEqual(expectedIndividual);

    // Storm keys: exactly one aggregated request per wave that was delivered, never an individual one;
    // Resolved exactly when every member's resolve was delivered.
    for (const ns of truth.stormNamespaces) {
      const delivered = truth.waves.filter((wave) => wave.namespace === ns && [...occurrences.values()].some((occurrence) => occurrence.namespace === ns && wave.fires.get(occurrence.pod) === occurrence.startsAt * 1000 - epochMs));
      const ofKey = aggregated.filter((request) => (request.spec as { storm: { stormKey: string } }).storm.stormKey === `KubePodNotReady/${ns}`);
      expect({ ns, aggregated: ofKey.length }).toEqual({ ns, aggregated: delivered.length });
      // Every acknowledged firing alert of the wave is a member of its request (one that resolved before its
      // firing was processed is a tombstone, not a member).
      const expected = delivered.map((wave) => {
        const seen = [...occurrences.values()].filter((occurrence) => occurrence.namespace === ns && wave.fires.get(occurrence.pod) === occurrence.startsAt * 1000 - epochMs);
        const members = seen.filter((occurrence) => occurrence.firstStatus === 'firing').length;
        return { state: wave.resolved && seen.every((member) => member.resolvedSeen) ? 'Resolved' : 'Firing', members };
      });
      const byStart = [...ofKey].sort((a, b) => String((a.spec as { firingTime: string }).firingTime).localeCompare(String((b.spec as { firingTime: string }).firingTime)));
      const actual = byStart.map((request) => ({ state: state(request), members: (request.status as { storm?: { members?: number } } | undefined)?.storm?.members }));
      expect({ ns, storms: actual }).toEqual({ ns, storms: expected });
    }
    await expectRedisHygiene(redis);
  }

  describe(`the lifecycle model on ${topology} Redis (FINGERPRINT_STRATEGY=${strategy})`, () => {
    it(
      `holds for ${runs} generated Alertmanager histories with reordering, retries, redrives, HA copies and a Redis flush`,
      async () => {
        let scenarios = 0;
        await fc.assert(
          fc.asyncProperty(scenario, async (spec) => {
            scenarios += 1;
            await run(spec);
          }),
          { numRuns: runs, endOnFailure: true },
        );
        process.stdout.write(`lifecycle model (${topology}, ${strategy}): ${scenarios} scenarios passed\n`);
        expect(scenarios).toBeGreaterThanOrEqual(runs);
      },
      600_000,
    );
  });
}
