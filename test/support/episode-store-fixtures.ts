import type { Signal } from '../../lib/domain/signal.js';
import { unixSeconds } from '../../lib/domain/time.js';
import type { EpisodeStoreOptions } from '../../lib/redis/episode-store.js';
import { signalsOf } from './builders/webhook.js';

/**
 * What the episode-store scenarios share: options with storm detection out of the way (a threshold no
 * test reaches, no hold; storms.scenarios.ts tests storms), the virtual clock's start, two alert starts.
 */
export const episodeStoreOptions: EpisodeStoreOptions = {
  idleTtlSeconds: 3_600,
  closedTtlSeconds: 600,
  haWindowSeconds: 60,
  retryHorizonSeconds: 600,
  statusWriteIntervalSeconds: 10,
  storm: { scope: 'namespace', threshold: 1_000, detectionWindowSeconds: 60, holdSeconds: 0, resourceCap: 200, inactivitySeconds: 60, maxWindowSeconds: 300 },
};
export const t0 = 1_795_255_300;
export const firstStart = '2026-11-21T10:00:00.123456789Z';
export const s0 = unixSeconds(firstStart);
export const laterStart = '2026-11-21T11:00:00Z';
/** The one signal of one alert. */
export const one = (...overrides: Parameters<typeof signalsOf>) => signalsOf(...overrides)[0] as Signal;
