import type { RedisTarget } from '../../lib/config/index.js';
import { createRedisClient } from '../../lib/redis/client.js';
import { familyOf, type KeyFamily, mastersOf, memoryUsage, storedKeys } from '../../lib/redis/key-inventory.js';
import { type Command, exitCodes, UsageError } from '../command.js';

interface FamilyReport {
  keys: number;
  bytes: number;
  withoutTtl: number;
  minTtlSeconds: number | undefined;
  maxTtlSeconds: number | undefined;
}

function targetOf(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): RedisTarget {
  const password = typeof values.password === 'string' ? values.password : env.REDIS_PASSWORD || undefined;
  const nodes = typeof values.cluster === 'string' ? values.cluster : env.REDIS_CLUSTER_NODES || undefined;
  const url = typeof values.redis === 'string' ? values.redis : env.REDIS_URL || undefined;
  if (nodes !== undefined) {
    const parsed = nodes.split(',').map((node) => {
      const [host, port] = node.trim().split(':');
      if (!host || !port || !/^\d+$/.test(port)) throw new UsageError(`--cluster takes host:port,host:port; got ${node}`);
      return { host, port: Number(port) };
    });
    return { mode: 'cluster', nodes: parsed, tls: values.tls === true, ...(password !== undefined && { password }) };
  }
  if (url === undefined) throw new UsageError('give --redis URL or --cluster host:port,… (or REDIS_URL / REDIS_CLUSTER_NODES)');
  return { mode: 'standalone', url, tls: values.tls === true || url.startsWith('rediss://'), ...(password !== undefined && { password }) };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const infoField = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export const memory: Command = {
  name: 'memory',
  summary: "stormgate's keys in a Redis: keys, bytes and TTLs per family, keys without TTL, fragmentation; a CI/cron check",
  usage: `Usage: stormgate memory (--redis URL | --cluster host:port,…) [options]

Reads every key (SCAN, PTTL, MEMORY USAGE on each master) and reports, per key family (episode records,
storm keys, batch markers, due index, rate budgets, Kubernetes health), the keys, their bytes and their TTLs;
keys without a TTL; keys stormgate does not write; used memory, maxmemory, the eviction policy and the
fragmentation ratio of each master.

  --redis URL          a standalone Redis (default: REDIS_URL)
  --cluster NODES      a Redis Cluster, host:port,host:port (default: REDIS_CLUSTER_NODES)
  --password PASSWORD  AUTH (default: REDIS_PASSWORD); --tls for TLS
  --max-fraction F     fail when used memory passes F of maxmemory on any master (default 0.75)
  --json               print JSON instead of lines

Exit codes: 0 healthy; 1 a key of stormgate's has no TTL, or used memory passed the fraction; 2 usage;
3 Redis unreachable.`,
  options: {
    redis: { type: 'string' },
    cluster: { type: 'string' },
    password: { type: 'string' },
    tls: { type: 'boolean', default: false },
    'max-fraction': { type: 'string', default: '0.75' },
    json: { type: 'boolean', default: false },
  },
  run: async (values, positionals, io) => {
    if (positionals.length > 0) throw new UsageError('memory takes no arguments');
    const maxFraction = Number(values['max-fraction']);
    if (!(maxFraction > 0 && maxFraction <= 1)) throw new UsageError(`--max-fraction must be a number in (0, 1]; got ${String(values['max-fraction'])}`);
    const client = createRedisClient(targetOf(values, io.env));
    try {
      await client.ping().catch((error: unknown) => {
        throw Object.assign(new Error(`Redis did not answer: ${(error as Error).message}`), { unreachable: true });
      });
      const families = new Map<KeyFamily | 'other', FamilyReport>();
      const withoutTtl: string[] = [];
      for (const stored of await storedKeys(client)) {
        const family = familyOf(stored.key) ?? 'other';
        const report = families.get(family) ?? { keys: 0, bytes: 0, withoutTtl: 0, minTtlSeconds: undefined, maxTtlSeconds: undefined };
        report.keys += 1;
        report.bytes += await memoryUsage(stored);
        if (stored.ttl === -1) {
          report.withoutTtl += 1;
          if (family !== 'other') withoutTtl.push(JSON.stringify(stored.key.toString('latin1')));
        } else {
          const seconds = Math.round(stored.ttl / 1000);
          report.minTtlSeconds = Math.min(report.minTtlSeconds ?? seconds, seconds);
          report.maxTtlSeconds = Math.max(report.maxTtlSeconds ?? seconds, seconds);
        }
        families.set(family, report);
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
      if (values.json) {
        io.out(JSON.stringify({ healthy, families: Object.fromEntries(families), keysWithoutTtl: withoutTtl, servers, maxFraction }));
      } else {
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
      }
      return healthy ? exitCodes.ok : exitCodes.failed;
    } catch (error) {
      if ((error as { unreachable?: boolean }).unreachable) {
        io.err((error as Error).message);
        return exitCodes.unreachable;
      }
      throw error;
    } finally {
      client.disconnect();
    }
  },
};
