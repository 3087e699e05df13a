/**
 * CPU of the function code alone: the ingest and dedup handlers invoked one at a time in this process,
 * as Lambda runs them, with Redis, the Kubernetes API stand-in and the Lambda invoke endpoint (a sink
 * that answers 202 and keeps the payloads, bench/lambda-sink.ts) in other processes. Also the Redis
 * round trips (commands and scripts sent; this code uses no pipelines) each function makes for one
 * 100-alert notification, and the dedup decision's throughput (`signals_per_sec`: the episode store's
 * atomic step, batches of 100 at the bench's concurrency).
 * Started by bench/run.ts (IPC): it sends {ready}, then answers {measure} with its figures.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Context } from 'aws-lambda';
import { alert, signalsOf, webhook } from '../test/support/builders/webhook.js';
import { proxyEvent } from '../test/support/builders/api-gateway-event.js';
import { lambdaContext } from '../local/lambda-context.js';
import { inParallel } from './load.js';

// With --expose-gc (bench/run.ts): collect before each measured pass, so that a pass pays for its own garbage.
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

// Counted before any client exists: every command or script sent on its own (a pipeline would pass a stream).
let roundTrips = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its own `this` below
const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function counted(this: Redis, ...args: Parameters<Redis['sendCommand']>) {
  if (args[1] === undefined) roundTrips += 1;
  return sendCommand.apply(this, args);
};

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const ingest = (await import('../functions/ingest/handler.js')).handler as unknown as Handler;
const dedup = (await import('../functions/dedup/handler.js')).handler as unknown as Handler;
const { episodeStore } = await import('../lib/runtime/stores.js');
const sinkUrl = process.env.AWS_ENDPOINT_URL_LAMBDA as string;
const token = (process.env.AUTH_TOKENS as string).split(',')[0] as string;

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const takePayloads = async (): Promise<unknown[]> => (await (await fetch(`${sinkUrl}/payloads`, { method: 'DELETE' })).json()) as unknown[];

async function invokeIngest(body: string): Promise<void> {
  const event = proxyEvent({ headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
  const response = (await ingest(event, lambdaContext('stormgate-ingest', 10_000))) as { statusCode: number; body: string };
  if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
}

/**
 * One shape of 100-alert notification: `groups` notifications seen once and re-sent `resends` times (new
 * notifications, as Alertmanager's group_interval and repeat_interval send them).
 */
async function measureShape(bodyOf: (group: number) => string, groups: number, resends: number) {
  const rounds = resends + 1;
  let ingestCpu = 0;
  const dedupCpu: number[] = [];
  const trips = { ingestFirst: 0, dedupFirst: 0, ingestResend: 0, dedupResend: 0 };
  for (let round = 0; round < rounds; round += 1) {
    // Each function's invocations together (as separate Lambda containers run them), so that one's
    // garbage is not collected on the other's time.
    const payloadsOf: unknown[][] = [];
    collectGarbage();
    for (let group = 0; group < groups; group += 1) {
      const tripsBefore = roundTrips;
      const before = cpuMs();
      await invokeIngest(bodyOf(group));
      ingestCpu += cpuMs() - before;
      if (group === 0) trips[round === 0 ? 'ingestFirst' : 'ingestResend'] = roundTrips - tripsBefore;
      payloadsOf.push(await takePayloads());
    }
    let roundDedupCpu = 0;
    collectGarbage();
    for (const [group, payloads] of payloadsOf.entries()) {
      const tripsBefore = roundTrips;
      const before = cpuMs();
      for (const payload of payloads) await dedup(payload, lambdaContext('stormgate-dedup', 60_000));
      roundDedupCpu += cpuMs() - before;
      if (group === 0) trips[round === 0 ? 'dedupFirst' : 'dedupResend'] = roundTrips - tripsBefore;
    }
    dedupCpu.push(roundDedupCpu);
  }
  const signalsPerRound = groups * 100;
  return {
    ingestCpuPerNotification: ingestCpu / (groups * rounds),
    dedupCpuPerNewSignal: (dedupCpu[0] ?? 0) / signalsPerRound,
    dedupCpuPerResentSignal: dedupCpu.slice(1).reduce((sum, value) => sum + value, 0) / (signalsPerRound * resends),
    dedupCpuPerSignal: dedupCpu.reduce((sum, value) => sum + value, 0) / (signalsPerRound * rounds),
    trips,
  };
}

/**
 * The decision script's throughput, batches of 100 signals of one storm key (a group of one alertname and
 * namespace, as Alertmanager sends it) at the bench's concurrency: first seen (each batch opens a storm),
 * then the same alerts re-sent in new notifications (the common delivery: group_interval, repeat_interval).
 */
async function signalsPerSecond(total: number, concurrency: number): Promise<{ firstSeen: number; resent: number }> {
  const store = episodeStore();
  const batches = Array.from({ length: total / 100 }, (_, batch) =>
    signalsOf(...Array.from({ length: 100 }, (_, index) => ({ labels: { alertname: 'DecisionBench', namespace: `decide-${batch}`, pod: `pod-${index}` } }))),
  );
  const now = Math.floor(Date.now() / 1000);
  const pass = async (name: string) => {
    const started = performance.now();
    await inParallel(batches.length, concurrency, (batch) => store.observe('bench', batches[batch] ?? [], now, { requestId: `${name}-${batch}` }));
    return Math.round(total / ((performance.now() - started) / 1000));
  };
  return { firstSeen: await pass('first'), resent: await pass('resent') };
}

const round3 = (value: number) => Number(value.toFixed(3));
process.on('message', (message: { id: number; concurrency: number }) => {
  void (async () => {
    // Warm-up: scripts loaded, clients connected, code compiled.
    const warm = (group: number) => JSON.stringify(webhook(Array.from({ length: 100 }, (_, index) => alert({ labels: { alertname: 'WarmUp', namespace: `warm-${group}-${index}`, pod: `pod-${index}` } })), { groupLabels: { alertname: 'WarmUp' } }));
    await measureShape(warm, 10, 4);
    // A group of one alertname spread over 100 namespaces: 100 episodes, 100 requests.
    const spread = await measureShape(
      (group) => JSON.stringify(webhook(Array.from({ length: 100 }, (_, index) => alert({ labels: { alertname: `Spread${group}`, namespace: `spread-${index}`, pod: `pod-${index}` } })), { groupLabels: { alertname: `Spread${group}` } })),
      10,
      5,
    );
    // A group of one alertname and namespace with 100 pods: a storm, one aggregated request.
    const storm = await measureShape(
      (group) => JSON.stringify(webhook(Array.from({ length: 100 }, (_, index) => alert({ labels: { alertname: 'PodStorm', namespace: `storm-${group}`, pod: `pod-${index}` } })), { groupLabels: { alertname: 'PodStorm', namespace: `storm-${group}` } })),
      10,
      5,
    );
    const decisions = await signalsPerSecond(100_000, message.concurrency);
    process.send?.({
      id: message.id,
      ingest_cpu_ms_per_notification: round3((spread.ingestCpuPerNotification + storm.ingestCpuPerNotification) / 2),
      dedup_cpu_ms_per_signal: round3(spread.dedupCpuPerSignal),
      dedup_cpu_ms_per_new_signal: round3(spread.dedupCpuPerNewSignal),
      dedup_cpu_ms_per_resent_signal: round3(spread.dedupCpuPerResentSignal),
      dedup_cpu_ms_per_storm_signal: round3(storm.dedupCpuPerSignal),
      redis_round_trips_per_webhook_100: storm.trips.ingestFirst + storm.trips.dedupFirst,
      redis_round_trips_per_webhook_100_resent: storm.trips.ingestResend + storm.trips.dedupResend,
      redis_round_trips_per_webhook_100_spread: spread.trips.ingestFirst + spread.trips.dedupFirst,
      redis_round_trips_ingest: storm.trips.ingestFirst,
      signals_per_sec: decisions.firstSeen,
      signals_per_sec_resent: decisions.resent,
    });
  })().catch((error: unknown) => {
    process.stderr.write(`function-cpu failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
