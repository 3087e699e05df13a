import { InvalidInputError } from '../../lib/errors.js';
import { familyOf, type KeyFamily, mastersOf, memoryUsage, storedKeys } from '../../lib/redis/key-inventory.js';
import { type Load, type MeasuredKey, parseLoad, type Projection, projectMemory, referenceTableBytesPerKey, sampleOf } from '../../lib/redis/memory-projection.js';
import { type Command, exitCodes, redisConfigOf, redisOptions, UsageError, withRedis } from '../command.js';

interface FamilyReport {
  keys: number;
  bytes: number;
  withoutTtl: number;
  minTtlSeconds: number | undefined;
  maxTtlSeconds: number | undefined;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const infoField = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

const sampleHint = 'send a notification through a stormgate that uses this Redis shortly before (stormgate send firing; stormgate send truncated opens a storm), or measure the deployed cache';
const partNames: Record<Projection['rows'][number]['part'], string> = {
  episode: 'fingerprint',
  batch: 'notification',
  detection: 'new fingerprint',
  storm: 'storm',
  fixed: 'due, rate, kube',
};

/** The projection as lines: one per part, Redis's tables, the total against maxmemory. */
function projectionLines(projection: Projection, maxmemory: number | undefined, masters: number, maxFraction: number): string[] {
  const { load } = projection;
  const distinct = load.distinctAssumed ? 'every alert a new fingerprint, the most (assumed: give --distinct D)' : `${load.distinctPerDay} distinct fingerprints/day`;
  const lines = [
    `projection for ${load.alertsPerMinute} alerts/min: ${distinct}, ${load.stormsPerDay} storms/day, one alert per notification`,
    'part       per               lives (s)       units        keys   bytes/unit          bytes',
  ];
  for (const row of projection.rows) {
    const perUnit = row.bytesPerUnit === undefined ? 'none measured' : row.bytesPerUnit.toFixed(1);
    lines.push(
      `${row.part.padEnd(10)} ${partNames[row.part].padEnd(16)} ${String(row.lifetimeSeconds ?? '-').padStart(10)} ${String(row.units).padStart(11)} ${String(row.keys).padStart(11)} ${perUnit.padStart(12)} ${String(row.bytes).padStart(14)}`,
    );
  }
  lines.push(`tables     Redis's own ${projection.tableBytesPerKey} B per key (reference: Redis 7.0.15), ${projection.keys} keys ${String(projection.keys * projection.tableBytesPerKey).padStart(18)}`);
  const limit = maxmemory === undefined ? 'no maxmemory set' : `${((projection.bytes / maxmemory) * 100).toFixed(1)}% of maxmemory ${mib(maxmemory)}${masters > 1 ? ` (${masters} masters)` : ''}`;
  lines.push(`total      ${mib(projection.bytes)} (${projection.bytes} bytes), ${limit}${projection.missing.length > 0 ? `; without ${projection.missing.join(', ')}` : ''}`);
  for (const part of projection.missing) lines.push(`  ${part}: none in the sample to measure, left out of the total: ${sampleHint}`);
  if (maxmemory !== undefined && projection.bytes > maxmemory * maxFraction) lines.push(`  the projection passes ${maxFraction * 100}% of maxmemory: raise maxmemory (README: Redis)`);
  return lines;
}

export const memory: Command = {
  name: 'memory',
  summary: "stormgate's keys in a Redis: keys, bytes and TTLs per family, keys without TTL, fragmentation, projected memory; a CI/cron check",
  usage: `Usage: stormgate memory (--redis URL | --cluster host:port,…) [options]

Reads every key (SCAN, PTTL, MEMORY USAGE on each master) and reports, per key family (episode records,
storm keys, batch markers, due index, rate budgets, Kubernetes health), the keys, their bytes and their TTLs;
keys without a TTL; keys stormgate does not write; used memory, maxmemory, the eviction policy and the
fragmentation ratio of each master.

  --redis URL          a standalone Redis (default: REDIS_URL)
  --cluster NODES      a Redis Cluster, host:port,host:port (default: REDIS_CLUSTER_NODES)
  --password PASSWORD  AUTH (default: REDIS_PASSWORD); --tls for TLS
  --max-fraction F     fail when used memory passes F of maxmemory on any master (default 0.75)
  --project N          also project the memory N alerts/minute need (a whole number above 0)
  --distinct D         with --project: distinct fingerprints a day (default: every alert a new one, the most)
  --storms S           with --project: storms a day (default 0)
  --json               print JSON instead of lines

The projection multiplies the bytes per key measured in this Redis by the keys the rate keeps alive under
the configured TTLs (DEDUP_IDLE_TTL_SECONDS, DEDUP_CLOSED_TTL_SECONDS, DEDUP_RETRY_HORIZON_SECONDS,
STORM_DETECTION_WINDOW_SECONDS from the environment, else their defaults): an episode record per distinct
fingerprint (the longer of the idle and closed TTL), a batch marker per notification (one alert per
notification assumed: the most markers) for the retry horizon, a detection window per new fingerprint, a
storm's keys per storm; due index, rate budgets and Kubernetes health as measured. It adds Redis's own
tables, which MEMORY USAGE does not count: ${referenceTableBytesPerKey} B per key, a reference measured on Redis 7.0.15, not here.
It needs a sample: with none of stormgate's keys in this Redis there is nothing to measure, and no
projection is made (no sizes are invented); a part the sample lacks (e.g. storms) is named and left out
of the total. To get a sample, send a notification through a stormgate that uses this Redis shortly
before (stormgate send firing; stormgate send truncated opens a storm), or measure the deployed cache.
The projection does not change the exit code.

Exit codes: 0 healthy; 1 a key of stormgate's has no TTL, or used memory passed the fraction; 2 usage;
3 Redis unreachable.`,
  options: {
    ...redisOptions,
    'max-fraction': { type: 'string', default: '0.75' },
    project: { type: 'string' },
    distinct: { type: 'string' },
    storms: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  run: async (values, positionals, io) => {
    if (positionals.length > 0) throw new UsageError('memory takes no arguments');
    const maxFraction = Number(values['max-fraction']);
    if (!(maxFraction > 0 && maxFraction <= 1)) throw new UsageError(`--max-fraction must be a number in (0, 1]; got ${String(values['max-fraction'])}`);
    let load: Load | undefined;
    if (values.project !== undefined) {
      try {
        load = parseLoad(values);
      } catch (error) {
        if (error instanceof InvalidInputError) throw new UsageError(error.message);
        throw error;
      }
    } else if (values.distinct !== undefined || values.storms !== undefined) {
      throw new UsageError('--distinct and --storms go with --project N');
    }
    const config = redisConfigOf(values, io.env);
    return withRedis(config.redis, io, async (client) => {
      const families = new Map<KeyFamily | 'other', FamilyReport>();
      const withoutTtl: string[] = [];
      const measured: MeasuredKey[] = [];
      for (const stored of await storedKeys(client)) {
        const family = familyOf(stored.key);
        const report = families.get(family ?? 'other') ?? { keys: 0, bytes: 0, withoutTtl: 0, minTtlSeconds: undefined, maxTtlSeconds: undefined };
        const bytes = await memoryUsage(stored);
        report.keys += 1;
        report.bytes += bytes;
        if (family !== undefined) measured.push({ family, key: stored.key.toString('latin1'), bytes });
        if (stored.ttl === -1) {
          report.withoutTtl += 1;
          if (family !== undefined) withoutTtl.push(JSON.stringify(stored.key.toString('latin1')));
        } else {
          const seconds = Math.round(stored.ttl / 1000);
          report.minTtlSeconds = Math.min(report.minTtlSeconds ?? seconds, seconds);
          report.maxTtlSeconds = Math.max(report.maxTtlSeconds ?? seconds, seconds);
        }
        families.set(family ?? 'other', report);
      }
      const servers = await Promise.all(
        mastersOf(client).map(async (node) => {
          const info = await node.info('memory');
          const used = Number(infoField(info, 'used_memory'));
          const maxmemory = Number(infoField(info, 'maxmemory'));
          return {
            server: `${node.options.host ?? ''}:${node.options.port ?? ''}`,
            usedMemory: used,
            maxmemory,
            policy: infoField(info, 'maxmemory_policy') ?? 'unknown',
            fragmentationRatio: Number(infoField(info, 'mem_fragmentation_ratio')),
            usedFraction: maxmemory > 0 ? used / maxmemory : undefined,
          };
        }),
      );
      const full = servers.filter((server) => server.usedFraction !== undefined && server.usedFraction > maxFraction);
      const healthy = withoutTtl.length === 0 && full.length === 0;
      const lifetimes = { ...config.dedup, detectionWindowSeconds: config.storm.detectionWindowSeconds };
      const projection = load && projectMemory(sampleOf(measured), load, lifetimes);
      // Keys spread over the masters by slot: a cluster's limit is the sum of its masters' maxmemory.
      const maxmemory = servers.every((server) => server.maxmemory > 0) ? servers.reduce((sum, server) => sum + server.maxmemory, 0) : undefined;
      if (values.json) {
        const projected = load && (projection ? { ...projection, maxmemory, maxmemoryFraction: maxmemory && projection.bytes / maxmemory } : { unavailable: `no stormgate key to measure: ${sampleHint}` });
        io.out(JSON.stringify({ healthy, families: Object.fromEntries(families), keysWithoutTtl: withoutTtl, servers, maxFraction, ...(projected && { projection: projected }) }));
        return healthy ? exitCodes.ok : exitCodes.failed;
      }
      io.out('family     keys        bytes  TTL (s)');
      for (const [family, report] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
        const ttl = report.minTtlSeconds === undefined ? '-' : `${report.minTtlSeconds}–${report.maxTtlSeconds ?? ''}`;
        io.out(`${family.padEnd(8)} ${String(report.keys).padStart(6)} ${String(report.bytes).padStart(12)}  ${ttl}${report.withoutTtl > 0 ? `  (${report.withoutTtl} without TTL)` : ''}`);
      }
      for (const server of servers) {
        const limit = server.maxmemory > 0 ? `${mib(server.maxmemory)} (${((server.usedFraction ?? 0) * 100).toFixed(1)}% used)` : 'no maxmemory';
        io.out(`${server.server}  used ${mib(server.usedMemory)} of ${limit}, policy ${server.policy}, fragmentation ${server.fragmentationRatio}`);
      }
      for (const key of withoutTtl.slice(0, 20)) io.out(`✗ no TTL: ${key} (every stormgate key must expire)`);
      for (const server of full) io.out(`✗ ${server.server} uses more than ${maxFraction * 100}% of maxmemory: raise maxmemory (README: Redis)`);
      if (healthy) io.out('✓ every stormgate key has a TTL, memory below the limit');
      if (load && !projection) io.out(`no projection: this Redis holds none of stormgate's keys to measure; ${sampleHint}`);
      if (projection) for (const line of projectionLines(projection, maxmemory, servers.length, maxFraction)) io.out(line);
      return healthy ? exitCodes.ok : exitCodes.failed;
    });
  },
};
