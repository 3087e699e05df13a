/**
 * Bytes per Redis key family, by MEMORY USAGE over every key, on a standalone server and a 3-master
 * cluster: an open fingerprint, a closed one (tombstone), an open storm of 15 resources, a storm of 10,000 resources (cap 200).
 * Run alone with `node --import tsx bench/redis-memory.ts`; `npm run bench` includes it.
 */
import { fileURLToPath } from 'node:url';
import { createRedisClient, type RedisClient } from '../lib/redis/client.js';
import { EpisodeStore } from '../lib/redis/episode-store.js';
import { OwnerCache, ownerCacheKey, ownerCacheMaxPodsPerNamespace } from '../lib/redis/owner-cache.js';
import { signalsOf } from '../test/support/builders/webhook.js';
import { redisTargetOf, startRedisCluster, startRedisStandalone } from '../local/redis-runner.js';
import { flushAll, keysOfFamily, memoryUsage, stateKeys } from '../test/support/redis-keys.js';

const storm = { scope: 'namespace', threshold: 5, detectionWindowSeconds: 60, holdSeconds: 0, resourceCap: 200, inactivitySeconds: 60, maxWindowSeconds: 300 } as const;
const options = { idleTtlSeconds: 86_400, closedTtlSeconds: 21_600, haWindowSeconds: 120, retryHorizonSeconds: 21_600, statusWriteIntervalSeconds: 10, storm };
const podNames = (count: number, from = 0) => Array.from({ length: count }, (_, index) => ({ labels: { pod: `checkout-7d9f8b6c5-${String(from + index).padStart(5, '0')}` } }));

/** Bytes of the state keys (per-batch idempotency records are transient and measured apart). */
async function totalBytes(redis: RedisClient): Promise<{ keys: number; bytes: number }> {
  const keys = await stateKeys(redis);
  const bytes = (await Promise.all(keys.map(memoryUsage))).reduce((sum, value) => sum + value, 0);
  return { keys: keys.length, bytes };
}

async function measure(redis: RedisClient): Promise<Record<string, number>> {
  const now = Math.floor(Date.now() / 1000);
  // 10,000 open fingerprints: 5 pods in each of 2,000 namespaces (at the threshold, so no storm), every key they make.
  const single = new EpisodeStore(redis, options);
  const namespaces = Array.from({ length: 2_000 }, (_, index) => index);
  const podsOf = (namespace: number, status: 'firing' | 'resolved') =>
    Array.from({ length: 5 }, (_, pod) => ({ status, labels: { namespace: `team-${namespace}`, pod: `api-7d9f8b6c5-${pod}` } }));
  for (const namespace of namespaces) await single.observe('default', signalsOf(...podsOf(namespace, 'firing')), now, { requestId: `open-${namespace}` });
  const fingerprints = await totalBytes(redis);
  const markers = await keysOfFamily(redis, 'batch');
  const markerBytes = (await Promise.all(markers.map(memoryUsage))).reduce((sum, value) => sum + value, 0) / markers.length;
  // The same 10,000 resolved: closed records kept for the retry horizon (tombstones).
  for (const namespace of namespaces) await single.observe('default', signalsOf(...podsOf(namespace, 'resolved')), now + 1, { requestId: `close-${namespace}` });
  const tombstones = await totalBytes(redis);
  await flushAll(redis);

  const stormStore = new EpisodeStore(redis, options);
  await stormStore.observe('default', signalsOf(...podNames(15)), now, { requestId: 'storm-15' });
  const storm15 = await totalBytes(redis);
  await flushAll(redis);

  // The membership filter's false positives: members added, then as many new pods probed; a new pod the
  // filter takes for a member is absorbed instead of counted (its alert is still part of the storm).
  const falsePositives: Record<string, number> = {};
  let members = 0;
  for (let batch = 0; batch < 20; batch += 1) {
    await stormStore.observe('default', signalsOf(...podNames(500, batch * 500)), now + batch, { requestId: `fill-${batch}` });
    members += 500;
    if (members === 1_000 || members === 5_000 || members === 10_000) {
      const probes = [...signalsOf(...podNames(1_000, 1_000_000 + members * 10)), ...signalsOf(...podNames(1_000, 2_000_000 + members * 10))];
      const { results } = await stormStore.observe('default', probes, now + batch, { requestId: `probe-${members}` });
      falsePositives[`bloom_false_positive_rate_${members}_members`] = results.filter((result) => result.kind === 'absorbed').length / probes.length;
    }
  }
  const storm10k = await totalBytes(redis);
  await flushAll(redis);

  // The owner cache (FINGERPRINT_STRATEGY=owner) of a namespace full to its bound, and of one with 10 pods.
  const owners = new OwnerCache(redis, 3_600);
  const remember = (namespace: string, count: number) =>
    Promise.all(Array.from({ length: count }, (_, pod) => owners.remember('default', { namespace, pod: `checkout-7d9f8b6c5-${String(pod).padStart(5, '0')}` }, { kind: 'Deployment', name: 'checkout', source: 'api' }, now)));
  await remember('full', ownerCacheMaxPodsPerNamespace);
  await remember('small', 10);
  const ownerBytes = await Promise.all([ownerCacheKey('default', 'full'), ownerCacheKey('default', 'small')].map((key) => redis.memory('USAGE', key, 'SAMPLES', 0)));
  await flushAll(redis);

  return {
    bytes_per_fingerprint: Math.round(fingerprints.bytes / 10_000),
    bytes_per_tombstone: Math.round(tombstones.bytes / 10_000),
    bytes_per_batch_marker: Math.round(markerBytes),
    bytes_open_storm_15_resources: storm15.bytes,
    bytes_storm_10000_resources: storm10k.bytes,
    keys_storm_10000_resources: storm10k.keys,
    bytes_owner_cache_namespace_at_bound: Number(ownerBytes[0]),
    bytes_owner_cache_namespace_10_pods: Number(ownerBytes[1]),
    ...falsePositives,
  };
}

export async function measureRedisMemory(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const topology of ['standalone', 'cluster'] as const) {
    const server = topology === 'cluster' ? await startRedisCluster({ maxmemory: '256mb' }) : await startRedisStandalone({ maxmemory: '256mb' });
    const redis = createRedisClient(redisTargetOf(server));
    try {
      for (const [name, value] of Object.entries(await measure(redis))) result[`redis_${topology}_${name}`] = value;
    } finally {
      await redis.quit();
      await server.stop();
    }
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await measureRedisMemory())}\n`);
}
