import type { Config } from '../config/index.js';
import type { RedisClient } from '../redis/client.js';
import { DueIndex } from '../redis/due-index.js';
import { EpisodeStore } from '../redis/episode-store.js';
import { KubeHealth } from '../redis/kube-health.js';
import { OwnerCache } from '../redis/owner-cache.js';
import { StormEpisodes } from '../redis/storm-episodes.js';
import { redisClient, runtimeConfig } from './clients.js';

/** The stores dedup and the sweep work on, configured from `config`, on one Redis client. */
export function storesOn(
  redis: RedisClient,
  config: Pick<Config, 'dedup' | 'storm' | 'remediation'>,
): { episodes: EpisodeStore; dueIndex: DueIndex; storms: StormEpisodes; owners: OwnerCache } {
  return {
    episodes: new EpisodeStore(redis, { ...config.dedup, storm: config.storm }),
    dueIndex: new DueIndex(redis),
    storms: new StormEpisodes(redis, { ...config.storm, ...config.dedup }),
    owners: new OwnerCache(redis, config.remediation.ownerCacheTtlSeconds),
  };
}

/** The Redis-backed stores the handlers share, configured once per process. */
let stores: ReturnType<typeof storesOn> | undefined;
let health: KubeHealth | undefined;

const processStores = () => (stores ??= storesOn(redisClient(), runtimeConfig()));

export function episodeStore(): EpisodeStore {
  return processStores().episodes;
}

export function dueIndex(): DueIndex {
  return processStores().dueIndex;
}

export function stormEpisodes(): StormEpisodes {
  return processStores().storms;
}

export function ownerCache(): OwnerCache {
  return processStores().owners;
}

export function kubeHealth(): KubeHealth {
  health ??= new KubeHealth(redisClient());
  return health;
}
