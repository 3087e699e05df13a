import { DueIndex } from '../redis/due-index.js';
import { EpisodeStore } from '../redis/episode-store.js';
import { KubeHealth } from '../redis/kube-health.js';
import { StormEpisodes } from '../redis/storm-episodes.js';
import { redisClient, runtimeConfig } from './clients.js';

/** The Redis-backed stores the handlers share, configured once per process. */
let episodes: EpisodeStore | undefined;
let due: DueIndex | undefined;
let storms: StormEpisodes | undefined;
let health: KubeHealth | undefined;

export function episodeStore(): EpisodeStore {
  const config = runtimeConfig();
  episodes ??= new EpisodeStore(redisClient(), { ...config.dedup, storm: config.storm });
  return episodes;
}

export function dueIndex(): DueIndex {
  due ??= new DueIndex(redisClient());
  return due;
}

export function stormEpisodes(): StormEpisodes {
  const config = runtimeConfig();
  storms ??= new StormEpisodes(redisClient(), { ...config.storm, ...config.dedup });
  return storms;
}

export function kubeHealth(): KubeHealth {
  health ??= new KubeHealth(redisClient());
  return health;
}
