/**
 * The soak: 1,000,000 alerts through the dedup use case and the sweep (lib/dedup, lib/sweep) on one
 * process, on a virtual clock, against the real Redis: 50,000 single-alert problems and 500 storms of 100
 * alerts each (100,000 fingerprints), delivered as Alertmanager does over ten 5-minute rounds: re-sent while
 * firing, an HA peer's second copy of a whole round, half of the single alerts resolving and firing again
 * (a new episode), everything resolved at the end. Then the clock runs past every window and the sweep
 * runs until nothing is due. Reports the growth of Redis's used_memory and the alerts per second.
 *
 * Kubernetes is a counting writer here (the stand-in would take minutes for 100,000 requests, and this
 * measures Redis); the Kubernetes write figures come from the real stand-in in bench/webhook-load.ts.
 * Started by bench/run.ts (IPC): sends {ready}, then answers {measure} with its figures.
 */
import { performance } from 'node:perf_hooks';
import type { Signal } from '../lib/domain/signal.js';
import type { RemediationRequestWriter } from '../lib/kube/remediation-writer.js';
import { signalsOf } from '../test/support/builders/webhook.js';
import { keyFamilies, memoryUsage, storedKeys } from '../test/support/redis-keys.js';
import { inParallel } from './load.js';

const { processDedupBatch } = await import('../lib/dedup/process-batch.js');
const { sweepDueWork } = await import('../lib/sweep/sweep-due-work.js');
const { redisClient, runtimeConfig } = await import('../lib/runtime/clients.js');
const { dueIndex, episodeStore, stormEpisodes } = await import('../lib/runtime/stores.js');
const { dedupDepsOf, sweepDepsOf } = await import('../lib/runtime/pipeline-deps.js');

const config = runtimeConfig();
let virtualNow = 1_795_255_300;
const clock = () => new Date(virtualNow * 1000);
let kubeWrites = 0;
const countingWriter = {
  create: async () => {
    kubeWrites += 1;
    return { result: 'created' as const };
  },
  find: async () => [],
  writeStatus: async () => {
    kubeWrites += 1;
    return 'written' as const;
  },
  checkAccess: async () => undefined,
} as unknown as RemediationRequestWriter;
const parts = {
  episodes: episodeStore(),
  dueIndex: dueIndex(),
  storms: stormEpisodes(),
  writer: countingWriter,
  now: clock,
  // The hold passes on the virtual clock.
  sleep: async (milliseconds: number) => {
    virtualNow += Math.ceil(milliseconds / 1000);
  },
};
const dedupDeps = dedupDepsOf(config, parts);
const sweepDeps = sweepDepsOf(config, parts, 1_000);

const chunk = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
const firstStart = '2026-11-21T10:00:00Z';
const laterStart = '2026-11-21T10:25:00Z';
// Built once (normalizing a million alerts would measure the builder): each problem's firing and resolved signals.
const solo = (status: 'firing' | 'resolved', startsAt: string, from: number, to: number) =>
  chunk(Array.from({ length: to - from }, (_, index) => ({ status, startsAt, labels: { alertname: 'SoakSingle', namespace: `solo-${from + index}`, pod: `api-${from + index}` } })), 100).flatMap((part) => signalsOf(...part));
const storm = (status: 'firing' | 'resolved', group: number) =>
  signalsOf(...Array.from({ length: 100 }, (_, index) => ({ status, startsAt: firstStart, labels: { alertname: 'SoakStorm', namespace: `storm-${group}`, pod: `worker-${index}` } })));
const soloFiring = solo('firing', firstStart, 0, 50_000);
const soloResolved = solo('resolved', firstStart, 0, 50_000);
const soloRefiring = solo('firing', laterStart, 0, 25_000);
const soloRefiringResolved = solo('resolved', laterStart, 0, 25_000);
const stormFiring = Array.from({ length: 500 }, (_, group) => storm('firing', group));
const stormResolved = Array.from({ length: 500 }, (_, group) => storm('resolved', group));

let batchNumber = 0;
let alerts = 0;
async function deliver(batches: Signal[][]): Promise<void> {
  await inParallel(batches.length, 8, async (index) => {
    const signals = batches[index] ?? [];
    alerts += signals.length;
    await processDedupBatch({ tenant: 'soak', requestId: `soak-${(batchNumber += 1)}`, truncatedAlerts: 0, groupLabels: {}, signals }, dedupDeps);
  });
}
async function sweepUntilQuiet(): Promise<void> {
  for (let round = 0; round < 10_000; round += 1) {
    const summary = await sweepDueWork(sweepDeps);
    if (summary.claimed === 0) return;
  }
  throw new Error('the sweep still found due work after 10,000 rounds');
}

function soloRound(round: number): Signal[] {
  if (round === 4) return [...soloResolved.slice(0, 25_000), ...soloFiring.slice(25_000)];
  if (round >= 5 && round <= 8) return [...soloRefiring, ...soloFiring.slice(25_000)];
  if (round === 9) return [...soloRefiringResolved, ...soloResolved.slice(25_000)];
  return soloFiring;
}

process.on('message', (message: { id: number }) => {
  void (async () => {
    const redis = redisClient();
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    const baseline = await usedMemory();
    const started = performance.now();
    const start = virtualNow;
    for (let round = 0; round < 10; round += 1) {
      if (round === 3) continue; // round 2 came twice (an HA pair); the total stays 1,000,000
      virtualNow = start + round * 300;
      const storms = round === 9 ? stormResolved : stormFiring;
      await deliver([...storms, ...chunk(soloRound(round), 100)]);
      if (round === 2) await deliver([...storms, ...chunk(soloRound(round), 100)]);
      virtualNow += 120;
      await sweepUntilQuiet();
    }
    const seconds = (performance.now() - started) / 1000;
    // Past every window and status interval: storms closed and shown Resolved.
    for (const later of [400, 1_000, 2_000]) {
      virtualNow = start + 9 * 300 + later;
      await sweepUntilQuiet();
    }
    const grown = (await usedMemory()) - baseline;
    // Where it went: keys per family, bytes from MEMORY USAGE of up to 2,000 of each (extrapolated).
    const keys = await storedKeys(redis);
    const families: Record<string, number> = {};
    for (const [family, pattern] of Object.entries(keyFamilies)) {
      const members = keys.filter(({ key }) => pattern.test(key.toString('latin1')));
      if (members.length === 0) continue;
      const sample = members.filter((_, index) => index % Math.ceil(members.length / 2_000) === 0);
      const sampled = (await Promise.all(sample.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
      families[`soak_keys_${family}`] = members.length;
      families[`soak_bytes_${family}`] = Math.round((sampled / sample.length) * members.length);
    }
    process.send?.({
      id: message.id,
      soak_alerts: alerts,
      soak_alerts_per_sec: Math.round(alerts / seconds),
      redis_used_memory_soak_bytes: grown,
      redis_keys_after_soak: await redis.dbsize(),
      soak_kube_writes: kubeWrites,
      ...families,
    });
  })().catch((error: unknown) => {
    process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
