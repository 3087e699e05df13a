import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { KubeStandin, seededRandom } from '../../local/kube-standin/server.js';
import { type RunningRedis, startRedisStandalone } from '../../local/redis-runner.js';
import { alert, type AlertFixture, webhook } from '../support/builders/webhook.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

const durationMs = 60_000;
const senders = 200;
const functionsToken = 'sg-load-test-functions-token';

const residentBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/**
 * 200 concurrent senders for 60 seconds against the local runtime (as `npm start` runs it): a mix of
 * single-pod problems re-sent over and over, storms of whole namespaces, and resolves. No answer but 202
 * and a deliberate 503 (re-sent, as Alertmanager does); every alert that got a 202 ends in a request (its
 * own or its storm's); the runtime's memory and Redis's stay flat once TTLs turn over.
 */
describe('sustained load: 200 concurrent senders for 60 seconds', () => {
  let redis: RunningRedis;
  let inspect: Redis;
  let standin: KubeStandin;
  let runtime: LocalRuntimeProcess;

  beforeAll(async () => {
    redis = await startRedisStandalone({ maxmemory: '64mb' });
    inspect = new Redis(redis.url as string);
    standin = await KubeStandin.start({ token: functionsToken });
    runtime = await startLocalRuntimeProcess({
      ...redis.env,
      KUBE_API_URL: standin.url,
      KUBE_TOKEN: functionsToken,
      LOG_LEVEL: 'WARN',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      STORM_THRESHOLD: '5',
      STORM_HOLD_SECONDS: '1',
      STORM_INACTIVITY_SECONDS: '2',
      STORM_MAX_WINDOW_SECONDS: '10',
      SWEEP_INTERVAL_SECONDS: '1',
      // Batch markers and closed records turn over within the run, so flat memory is observable in a minute.
      DEDUP_RETRY_HORIZON_SECONDS: '15',
      DEDUP_CLOSED_TTL_SECONDS: '15',
      TENANT_RATE_ALERTS_PER_SECOND: '100000',
      TENANT_RATE_BURST: '100000',
      // A dedup invocation that fails under this load is retried, as Lambda does, but seconds later
      // instead of minutes, so that the wait below covers the retries too.
      LOCAL_ASYNC_RETRY_DELAYS_MS: '1000,2000',
    });
  }, 60_000);
  afterAll(async () => {
    await runtime?.stop();
    inspect?.disconnect();
    await standin?.stop();
    await redis?.stop();
  });

  it('answers only 202 or a deliberate 503, loses no acknowledged alert, and keeps memory flat', async () => {
    // Seeded: the load's choices repeat run to run.
    const random = seededRandom(20_261_201);
    const singles = Array.from({ length: 300 }, (_, index) => ({ alertname: `LoadSingle${index % 10}`, namespace: `load-single-${index}`, pod: `api-${index}` }));
    const storms = Array.from({ length: 10 }, (_, storm) => Array.from({ length: 20 }, (_, pod) => ({ alertname: 'LoadStorm', namespace: `load-storm-${storm}`, pod: `web-${pod}` })));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    // As Alertmanager does: a pod that fires again after its resolve is a new occurrence, with a new startsAt.
    const occurrence = new Map<string, number>();
    const startsAtOf = (pod: string) => new Date(Date.parse('2026-11-21T10:00:00Z') + (occurrence.get(pod) ?? 0) * 1000).toISOString();
    // Firing occurrences acknowledged (pod/startsAt), and those whose resolve was acknowledged too.
    const firingAcknowledged = new Map<string, { alertname: string; namespace: string; pod: string; startsAt: string }>();
    const resolvedAcknowledged = new Set<string>();
    const statuses = new Map<number, number>();
    const samples: { at: number; rss: number; redis: number }[] = [];

    const notification = (): { alerts: AlertFixture[]; labels: { alertname: string; namespace: string; pod: string }[] } => {
      const roll = random();
      if (roll < 0.2) {
        const storm = pick(storms);
        return { alerts: storm.map((labels) => alert({ labels })), labels: storm };
      }
      const labels = pick(singles);
      const status = roll < 0.3 ? 'resolved' : 'firing';
      const startsAt = startsAtOf(labels.pod);
      if (status === 'resolved') occurrence.set(labels.pod, (occurrence.get(labels.pod) ?? 0) + 1);
      return { alerts: [alert({ status, labels, startsAt, ...(status === 'resolved' && { endsAt: startsAt }) })], labels: [labels] };
    };
    const started = Date.now();
    const sender = async () => {
      while (Date.now() - started < durationMs) {
        const { alerts, labels } = notification();
        const response = await fetch(`${runtime.url}/v1/alerts/alertmanager`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${runtime.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(webhook(alerts)),
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 202) {
          alerts.forEach((entry, index) => {
            const labelSet = labels[index];
            if (!labelSet) return;
            const key = `${labelSet.namespace}/${labelSet.pod}/${entry.startsAt}`;
            if (entry.status === 'firing') firingAcknowledged.set(key, { ...labelSet, startsAt: entry.startsAt });
            else resolvedAcknowledged.add(key);
          });
        } else {
          // A 503 is re-sent after a moment, as Alertmanager does.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    const sampler = setInterval(() => {
      void inspect.info('memory').then((info) => samples.push({ at: Date.now() - started, rss: residentBytes(runtime.pid), redis: Number(/used_memory:(\d+)/.exec(info)?.[1]) }));
    }, 5_000);
    try {
      await Promise.all(Array.from({ length: senders }, sender));
    } finally {
      clearInterval(sampler);
    }

    const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    expect([...statuses.keys()].filter((status) => status !== 202 && status !== 503)).toEqual([]);
    expect(statuses.get(202) ?? 0).toBeGreaterThan(answered / 2);

    // Every pod's last acknowledged firing occurrence is in a request that still fires: the episode it opened
    // or joined (a re-fire while the episode is open, its resolve never delivered, continues it), or its
    // namespace's storm. Unless its resolve was acknowledged too: async invocations may run the resolve
    // first, and a firing after its own resolve never opens an episode (docs/LIFECYCLE.md).
    const latest = new Map<string, [string, { alertname: string; namespace: string; pod: string; startsAt: string }]>();
    for (const [key, labels] of firingAcknowledged) {
      const pod = `${labels.namespace}/${labels.pod}`;
      const known = latest.get(pod);
      if (!known || Date.parse(labels.startsAt) > Date.parse(known[1].startsAt)) latest.set(pod, [key, labels]);
    }
    const owed = [...latest.values()].filter(([key]) => !resolvedAcknowledged.has(key)).map(([, labels]) => labels);
    const covered = (labels: { alertname: string; namespace: string; pod: string; startsAt: string }) =>
      standin.list('remediationrequests', 'stormgate').some((request) => {
        const spec = request.spec as { signalName: string; targetResource: { kind: string; name: string; namespace?: string }; firingTime?: string };
        if (spec.signalName !== labels.alertname) return false;
        if (spec.targetResource.kind === 'Namespace') return spec.targetResource.name === labels.namespace;
        const firing = (request.status as { signal?: { state?: string } } | undefined)?.signal?.state !== 'Resolved';
        return spec.targetResource.namespace === labels.namespace && spec.targetResource.name === labels.pod && firing && Date.parse(spec.firingTime ?? '') <= Date.parse(labels.startsAt);
      });
    expect(owed.length).toBeGreaterThan(200);
    await eventually(async () => (owed.every(covered) ? true : undefined), 'a request for every acknowledged alert', 60_000).catch((error: unknown) => {
      const missing = owed.filter((labels) => !covered(labels));
      const retries = runtime.logs.filter((line) => /async invocation/.test(String(line.message)));
      throw new Error(`${(error as Error).message}: ${missing.length} of ${owed.length} missing, e.g. ${JSON.stringify(missing.slice(0, 5))}; the runtime's retries: ${JSON.stringify(retries.slice(0, 5))}`);
    });
    // Nothing acknowledged was given up on.
    expect(runtime.logs.filter((line) => line.message === 'async invocation dead-lettered')).toEqual([]);
    // One request per problem: no pod and no storm has two.
    const keys = standin.list('remediationrequests', 'stormgate').map((request) => {
      const spec = request.spec as { signalName: string; targetResource: { kind: string; name: string; namespace?: string }; firingTime?: string };
      return `${spec.signalName}/${spec.targetResource.kind}/${spec.targetResource.namespace ?? ''}/${spec.targetResource.name}/${request.metadata.name}`;
    });
    expect(new Set(keys).size).toBe(keys.length);

    // Flat: the second half of the run grows neither the runtime's resident memory nor Redis's by more
    // than a quarter of what the first half reached (a leak per notification would grow it linearly).
    const firstHalf = samples.filter((sample) => sample.at <= durationMs / 2);
    const secondHalf = samples.filter((sample) => sample.at > durationMs / 2);
    const peak = (list: typeof samples, field: 'rss' | 'redis') => Math.max(...list.map((sample) => sample[field]));
    process.stderr.write(
      `[sustained load] ${answered} notifications in ${durationMs / 1000} s from ${senders} senders: ${JSON.stringify(Object.fromEntries(statuses))}; ${firingAcknowledged.size} firing occurrences acknowledged (${owed.length} never resolved), ${keys.length} requests; ${runtime.logs.filter((line) => line.message === 'async invocation failed, will retry').length} dedup retries; runtime RSS peak ${(peak(firstHalf, 'rss') / 2 ** 20).toFixed(0)} → ${(peak(secondHalf, 'rss') / 2 ** 20).toFixed(0)} MiB, Redis used_memory peak ${(peak(firstHalf, 'redis') / 2 ** 20).toFixed(1)} → ${(peak(secondHalf, 'redis') / 2 ** 20).toFixed(1)} MiB\n`,
    );
    expect(firstHalf.length).toBeGreaterThanOrEqual(3);
    expect(secondHalf.length).toBeGreaterThanOrEqual(3);
    expect(peak(secondHalf, 'rss')).toBeLessThanOrEqual(peak(firstHalf, 'rss') * 1.25);
    expect(peak(secondHalf, 'redis')).toBeLessThanOrEqual(peak(firstHalf, 'redis') * 1.25);
  }, 240_000);
});
