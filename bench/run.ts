/**
 * `npm run bench`: measures the local pipeline on real Redis and the Kubernetes API stand-in.
 * Human-readable lines first; the last line of output is one JSON object with every figure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { alert, webhook } from '../test/support/builders/webhook.js';
import { startRedisStandalone } from '../local/redis-runner.js';
import { keysOfFamily, memoryUsage, type StoredKey } from '../test/support/redis-keys.js';

const distinctAlerts = Number(process.env.BENCH_ALERTS ?? 500);
const duplicateDeliveries = Number(process.env.BENCH_DUPLICATES ?? 1000);
const concurrency = 8;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function inParallel<T>(count: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

const redisServer = await startRedisStandalone({ maxmemory: '256mb' });
process.env.LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AUTH_TOKENS = 'bench-token-0123456789';
// Distinct alerts of one alertname per namespace stay below the storm threshold; no hold.
process.env.STORM_HOLD_SECONDS = '0';
process.env.STORM_INACTIVITY_SECONDS = '1';
process.env.SWEEP_INTERVAL_SECONDS = '3600';
process.env.STATUS_WRITE_INTERVAL_SECONDS = '1';
process.env.PORT = '0';
process.env.REDIS_URL = redisServer.url;
// Imported after the environment is set: these modules create the logger and read the configuration.
const { startLocalStack } = await import('../local/local-stack.js');
const { measureRedisMemory } = await import('./redis-memory.js');
const { measureColdStarts } = await import('./cold-start.js');
const { measureHostileScrub } = await import('./hostile-scrub.js');
const stack = await startLocalStack({ env: process.env, stateDirectory: mkdtempSync(join(tmpdir(), 'sg-bench-')), log: () => undefined });
const inspect = new Redis(redisServer.url as string);

const post = async (body: string): Promise<number> => {
  const started = performance.now();
  const response = await fetch(`${stack.url}/v1/alerts/alertmanager`, {
    method: 'POST',
    headers: { Authorization: 'Bearer bench-token-0123456789', 'Content-Type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 202) throw new Error(`unexpected ${response.status}`);
  return performance.now() - started;
};

try {
  // 1. Distinct alerts, one per notification: intake latency and end-to-end throughput to RemediationRequests.
  const bodies = Array.from({ length: distinctAlerts }, (_, index) =>
    // One alert per namespace: individual requests, no storm.
    JSON.stringify(webhook([alert({ labels: { namespace: `team-${index}`, pod: `api-${index}` } })])),
  );
  const started = performance.now();
  const latencies = (await inParallel(distinctAlerts, (index) => post(bodies[index] as string))).sort((a, b) => a - b);
  await stack.runtime.drain();
  const elapsedSeconds = (performance.now() - started) / 1000;
  const created = stack.standin?.list('remediationrequests').length ?? 0;
  if (created !== distinctAlerts) throw new Error(`expected ${distinctAlerts} requests, found ${created}`);

  // 2. Redis footprint per key family, by MEMORY USAGE over every key.
  const bytesOf = async (family: StoredKey[]) => (await Promise.all(family.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
  const episodeKeys = await keysOfFamily(inspect, 'episode');
  const rateKeys = await keysOfFamily(inspect, 'rate');
  const keys = [...episodeKeys, ...rateKeys, ...(await keysOfFamily(inspect, 'due'))];
  const bytesPerFingerprint = (await bytesOf(episodeKeys)) / episodeKeys.length;
  const rateBudgetBytes = await bytesOf(rateKeys);

  // 3. Duplicates of one alert: cost per duplicate and Kubernetes writes they cause.
  const duplicateBody = JSON.stringify(webhook([alert({ labels: { pod: 'hot-pod' } })]));
  await post(duplicateBody);
  await stack.runtime.drain();
  const writesBefore = stack.standin?.writes().length ?? 0;
  const duplicateStarted = performance.now();
  await inParallel(duplicateDeliveries, () => post(duplicateBody));
  await stack.runtime.drain();
  const duplicateSeconds = (performance.now() - duplicateStarted) / 1000;
  // The coalesced status write is the sweep's, one interval after the first duplicate.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await stack.runtime.invoke('stormgate-storm-aggregator', { source: 'bench', 'detail-type': 'Scheduled Event' });
  const duplicateWrites = (stack.standin?.writes().length ?? 0) - writesBefore;

  // 4. A storm: 2,000 alerts of one alertname and namespace in 20 notifications → one aggregated request.
  const stormBodies = Array.from({ length: 20 }, (_, batch) =>
    JSON.stringify(webhook(Array.from({ length: 100 }, (_, index) => alert({ labels: { namespace: 'storm', pod: `worker-${batch * 100 + index}` } })))),
  );
  const requestsBeforeStorm = stack.standin?.list('remediationrequests').length ?? 0;
  const stormStarted = performance.now();
  await inParallel(stormBodies.length, (index) => post(stormBodies[index] as string));
  await stack.runtime.drain();
  const stormSeconds = (performance.now() - stormStarted) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await stack.runtime.invoke('stormgate-storm-aggregator', { source: 'bench', 'detail-type': 'Scheduled Event' });
  const stormRequests = (stack.standin?.list('remediationrequests').length ?? 0) - requestsBeforeStorm;

  const result = {
    alerts: distinctAlerts,
    concurrency,
    ingest_latency_p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    ingest_latency_p99_ms: Number(percentile(latencies, 99).toFixed(2)),
    end_to_end_alerts_per_second: Number((distinctAlerts / elapsedSeconds).toFixed(1)),
    redis_keys_per_open_fingerprint: episodeKeys.length / distinctAlerts,
    redis_bytes_per_open_fingerprint: Number(bytesPerFingerprint.toFixed(1)),
    redis_bytes_per_tenant_rate_budget: rateBudgetBytes / rateKeys.length,
    redis_keys_total: keys.length,
    duplicate_deliveries: duplicateDeliveries,
    duplicate_deliveries_per_second: Number((duplicateDeliveries / duplicateSeconds).toFixed(1)),
    kube_writes_for_duplicates: duplicateWrites,
    storm_alerts: 2000,
    storm_alerts_per_second: Number((2000 / stormSeconds).toFixed(1)),
    storm_requests_created: stormRequests,
    rss_mb: Number((process.memoryUsage().rss / 1024 / 1024).toFixed(1)),
  };
  process.stdout.write(`${distinctAlerts} distinct alerts → ${created} RemediationRequests in ${elapsedSeconds.toFixed(2)} s\n`);
  process.stdout.write(`${duplicateDeliveries} duplicate deliveries → ${duplicateWrites} Kubernetes writes (after one sweep)\n`);
  process.stdout.write(`2000 storm alerts → ${stormRequests} RemediationRequest\n`);
  const memory = await measureRedisMemory();
  const coldStarts = await measureColdStarts();
  for (const name of ['ingest', 'dedup', 'storm_aggregator']) {
    process.stdout.write(
      `${name}: at start ${coldStarts[`bundle_bytes_${name}`]} bytes, import ${coldStarts[`import_ms_${name}`]} ms; deferred to first use ${coldStarts[`deferred_bytes_${name}`]} bytes, ${coldStarts[`deferred_load_ms_${name}`]} ms (fresh process, median of 7)\n`,
    );
  }
  const scrubbing = measureHostileScrub();
  process.stdout.write(`scrubbing a hostile 16 KiB value (median of 5, ms): ${JSON.stringify(scrubbing)}\n`);
  process.stdout.write(`${JSON.stringify({ ...result, ...memory, ...coldStarts, ...scrubbing })}\n`);
} finally {
  await inspect.quit();
  await stack.stop();
  await redisServer.stop();
}
