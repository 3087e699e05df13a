import { EpisodeStore } from '../redis/episode-store.js';
import { DueIndex } from '../redis/due-index.js';
import { StormWindows } from '../redis/storm-windows.js';
import { redisClient, runtimeConfig } from './clients.js';

/** The Redis-backed stores the handlers share, configured once per process. */
let episodes: EpisodeStore | undefined;
let due: DueIndex | undefined;
let windows: StormWindows | undefined;

export function episodeStore(): EpisodeStore {
  const config = runtimeConfig();
  episodes ??= new EpisodeStore(redisClient(), { ...config.dedup, storm: config.storm });
  return episodes;
}

export function dueIndex(): DueIndex {
  due ??= new DueIndex(redisClient());
  return due;
}

export function stormWindows(): StormWindows {
  windows ??= new StormWindows(redisClient(), runtimeConfig().storm);
  return windows;
}
