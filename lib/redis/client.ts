import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/index.js';
import { logger } from '../telemetry/logger.js';
import { defineScripts } from './scripts.js';

export type RedisClient = Redis | Cluster;

/**
 * Short timeouts and one retry per command: a Lambda must answer Alertmanager well under 10 s, and a
 * Redis that does not answer means 503 (fail closed), not a hung request.
 */
const commandOptions: RedisOptions = {
  connectTimeout: 2_000,
  commandTimeout: 2_000,
  maxRetriesPerRequest: 1,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
};

/** The one Redis client factory: standalone (`REDIS_URL`) or cluster (`REDIS_CLUSTER_NODES`). */
export function createRedisClient(target: RedisTarget): RedisClient {
  const auth = target.password === undefined ? {} : { password: target.password };
  const tls = target.tls ? { tls: {} } : {};
  const client: RedisClient =
    target.mode === 'cluster'
      ? new Cluster(target.nodes, {
          redisOptions: { ...commandOptions, ...auth, ...tls },
          // ElastiCache TLS certificates name the configuration endpoint, not resolved IPs.
          dnsLookup: (address, callback) => callback(null, address),
          clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
          slotsRefreshTimeout: 2_000,
        })
      : new Redis(target.url, { ...commandOptions, ...auth, ...tls });
  client.on('error', (error: Error) => {
    logger.warn('redis connection error', { error: error.message, mode: target.mode });
  });
  defineScripts(client);
  return client;
}
