/**
 * `npm run bench`: stormgate measured against its peer, the real Alertmanager, in the same run.
 * Starts what it needs: a redis-server without persistence, the Kubernetes API stand-in (own process),
 * `prometheus-alertmanager`, and the local runtime as `npm start` runs it. Progress goes to stderr; the
 * last line of stdout is ONE JSON object with every figure. BENCHMARKS.md explains each figure.
 * Sizes can be lowered for a quick look: BENCH_ALERTS (concurrent single-alert notifications, 4,000),
 * BENCH_SEQUENTIAL (2,000). BENCH_PROFILE_DIR=<dir> writes a CPU profile of the local runtime's process.
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedisStandalone } from '../local/redis-runner.js';
import { withoutStormgateVariables } from '../test/support/stormgate-env.js';
import { measureAlertmanagerPeer } from './alertmanager-peer.js';
import { forkBenchChild } from './child-process.js';
import { measureColdStarts } from './cold-start.js';
import { measureHostileScrub } from './hostile-scrub.js';
import { startLambdaSink } from './lambda-sink.js';
import { progress } from './load.js';
import { measureRedisMemory } from './redis-memory.js';
import { measureWebhookLoad } from './webhook-load.js';

const alerts = Number(process.env.BENCH_ALERTS ?? 4_000);
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 2_000);
const concurrency = 8;
const figures: Record<string, number> = { concurrency };

const redisServer = await startRedisStandalone({ maxmemory: '2gb' });
const redisUrl = redisServer.url as string;
const inspect = new Redis(redisUrl);
const baseEnv = { ...withoutStormgateVariables(process.env), REDIS_URL: redisUrl, AUTH_TOKENS: 'bench-token-0123456789', TENANT_RATE_ALERTS_PER_SECOND: '1000000', TENANT_RATE_BURST: '1000000' };
const standin = await forkBenchChild<{ url: string; token: string }>('./standin-process.ts');
try {
  progress('redis-benchmark -t set -q on the same server');
  const port = new URL(redisUrl).port;
  const setLine = execFileSync('redis-benchmark', ['-p', port, '-t', 'set', '-q', '-n', '200000']).toString();
  figures.redis_benchmark_set_per_sec = Math.round(Number(/SET: ([\d.]+) requests per second/.exec(setLine)?.[1]));
  await inspect.flushall();

  progress(`peer: prometheus-alertmanager, ${alerts} single-alert POSTs at concurrency ${concurrency}`);
  Object.assign(figures, await measureAlertmanagerPeer(alerts, concurrency));

  Object.assign(figures, await measureWebhookLoad({ redisUrl, standin, alerts, sequential, concurrency }));
  await inspect.flushall();

  progress('function CPU: ingest and dedup invoked one at a time on 100-alert notifications; the decision throughput');
  const sink = await startLambdaSink();
  const functionsEnv = { ...baseEnv, KUBE_API_URL: standin.ready.url, KUBE_TOKEN: standin.ready.token, AWS_ENDPOINT_URL_LAMBDA: sink.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  const functions = await forkBenchChild('./function-cpu.ts', functionsEnv, { quiet: true, nodeOptions: ['--expose-gc'] });
  Object.assign(figures, withoutId(await functions.ask<Record<string, number>>({ measure: true, concurrency })));
  await functions.stop();
  await sink.stop();
  await inspect.flushall();

  progress('soak: 1,000,000 alerts through dedup and the sweep on a virtual clock');
  const soak = await forkBenchChild('./soak.ts', { ...baseEnv, KUBE_API_URL: standin.ready.url, KUBE_TOKEN: standin.ready.token }, { quiet: true });
  Object.assign(figures, withoutId(await soak.ask<Record<string, number>>({ measure: true })));
  await soak.stop();
  await inspect.flushall();

  progress('Redis bytes per key family (standalone and a 3-master cluster)');
  const memory = await measureRedisMemory();
  for (const [name, value] of Object.entries(memory)) {
    const standalone = /^redis_standalone_(.*)$/.exec(name)?.[1];
    if (standalone === undefined) continue;
    const renamed = { bytes_per_fingerprint: 'redis_bytes_per_fingerprint', bytes_per_tombstone: 'redis_bytes_per_tombstone', bytes_open_storm_15_resources: 'redis_bytes_per_storm_15', bytes_storm_10000_resources: 'redis_bytes_per_storm_10000' }[standalone];
    if (renamed) figures[renamed] = value;
  }

  progress('production bundles: size and cold import (median of 10 fresh processes)');
  const coldStarts = await measureColdStarts();
  figures.ingest_bundle_bytes = coldStarts.bundle_bytes_ingest ?? Number.NaN;
  figures.dedup_bundle_bytes = coldStarts.bundle_bytes_dedup ?? Number.NaN;
  figures.ingest_init_ms = coldStarts.import_ms_ingest ?? Number.NaN;
  figures.dedup_init_ms = coldStarts.import_ms_dedup ?? Number.NaN;

  const all = { ...figures, ...memory, ...coldStarts, ...measureHostileScrub() };
  for (const [name, value] of Object.entries(figures)) progress(`  ${name}: ${value}`);
  process.stdout.write(`${JSON.stringify(all)}\n`);
} finally {
  await standin.stop();
  await inspect.quit();
  await redisServer.stop();
}

function withoutId(answer: Record<string, number>): Record<string, number> {
  const { id: _id, ...rest } = answer;
  return rest;
}
