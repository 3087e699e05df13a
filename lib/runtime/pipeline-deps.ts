import type { Config } from '../config/index.js';
import type { DedupDeps } from '../dedup/process-batch.js';
import type { EpisodeRequestDeps } from '../dedup/episode-request.js';
import type { SweepDeps } from '../sweep/sweep-due-work.js';
import type { StormEpisodes } from '../redis/storm-episodes.js';
import { functionTiming } from './function-timing.js';

/** What dedup and the sweep run on: the stores, the writer, the owner lookup, and the clock. */
export interface PipelineParts extends Pick<EpisodeRequestDeps, 'episodes' | 'dueIndex' | 'writer' | 'owners' | 'now'> {
  readonly storms: StormEpisodes;
  /** The storm hold's wait (real time in a function, virtual in a replay). */
  readonly sleep: (milliseconds: number) => Promise<void>;
}

type PipelineConfig = Pick<Config, 'namespace' | 'clusterId' | 'dedup' | 'storm' | 'remediation'>;

function requestDeps(config: PipelineConfig, parts: PipelineParts): EpisodeRequestDeps {
  return {
    episodes: parts.episodes,
    dueIndex: parts.dueIndex,
    writer: parts.writer,
    namespace: config.namespace,
    ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
    gate: config.remediation,
    ...(parts.owners !== undefined && { owners: parts.owners }),
    now: parts.now,
  };
}

/**
 * Dedup's and the sweep's dependencies, built one way for the functions, `stormgate replay` and the
 * benches, so that what a replay runs cannot drift from what is deployed.
 */
export function dedupDepsOf(config: PipelineConfig, parts: PipelineParts): DedupDeps {
  return { ...requestDeps(config, parts), statusWriteIntervalSeconds: config.dedup.statusWriteIntervalSeconds, storm: config.storm, sleep: parts.sleep };
}

export function sweepDepsOf(config: PipelineConfig, parts: PipelineParts, claimLimit: number = functionTiming.sweep.claimLimit): SweepDeps {
  return {
    ...requestDeps(config, parts),
    storms: parts.storms,
    statusWriteIntervalSeconds: config.dedup.statusWriteIntervalSeconds,
    leaseSeconds: functionTiming.sweep.leaseSeconds,
    claimLimit,
  };
}
