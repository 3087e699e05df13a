import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../lib/config/index.js';
import type { RemediationRequestWriter } from '../../../lib/kube/remediation-writer.js';
import type { DueIndex } from '../../../lib/redis/due-index.js';
import type { EpisodeStore } from '../../../lib/redis/episode-store.js';
import type { StormEpisodes } from '../../../lib/redis/storm-episodes.js';
import { dedupDepsOf, sweepDepsOf } from '../../../lib/runtime/pipeline-deps.js';
import { functionTiming } from '../../../lib/runtime/function-timing.js';

// Stand-ins by identity only: the factory wires them, it never calls them.
const parts = {
  episodes: {} as EpisodeStore,
  dueIndex: {} as DueIndex,
  storms: {} as StormEpisodes,
  writer: {} as RemediationRequestWriter,
  now: () => new Date(0),
  sleep: async () => undefined,
};

describe('dedupDepsOf / sweepDepsOf: one wiring for the functions, replay and the benches', () => {
  it('carries the configuration dedup and the sweep decide with, and the parts as given', () => {
    const config = loadConfig({ AUTH_TOKENS: 'a-token-of-16-chars', CLUSTER_ID: 'prod-eu', RR_NAMESPACE: 'remediation', MIN_FIRING_SECONDS: '90', REMEDIATION_COOLDOWN_SECONDS: '600', STATUS_WRITE_INTERVAL_SECONDS: '7', STORM_HOLD_SECONDS: '2' });
    const owners = { resolve: async () => ({}) as never };
    const dedup = dedupDepsOf(config, { ...parts, owners });
    expect(dedup).toMatchObject({ namespace: 'remediation', clusterId: 'prod-eu', statusWriteIntervalSeconds: 7, storm: { holdSeconds: 2 }, gate: { minFiringSeconds: 90, cooldownSeconds: 600, resolveGraceSeconds: 300 } });
    expect(dedup.episodes).toBe(parts.episodes);
    expect(dedup.writer).toBe(parts.writer);
    expect(dedup.owners).toBe(owners);
    expect(dedup.sleep).toBe(parts.sleep);
    const sweep = sweepDepsOf(config, parts);
    expect(sweep).toMatchObject({ namespace: 'remediation', clusterId: 'prod-eu', statusWriteIntervalSeconds: 7, leaseSeconds: functionTiming.sweep.leaseSeconds, claimLimit: functionTiming.sweep.claimLimit });
    expect(sweep.storms).toBe(parts.storms);
    expect(sweep).not.toHaveProperty('owners');
    expect(sweepDepsOf(config, parts, 1_000).claimLimit).toBe(1_000);
  });

  it('leaves out what is not configured', () => {
    const dedup = dedupDepsOf(loadConfig({ AUTH_TOKENS: 'a-token-of-16-chars' }), parts);
    expect(dedup).not.toHaveProperty('clusterId');
    expect(dedup).not.toHaveProperty('owners');
    expect(dedup.gate).toMatchObject({ minFiringSeconds: 0, cooldownSeconds: 0 });
  });
});
