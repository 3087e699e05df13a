import { remediationRequestName } from '../domain/dedup-decision.js';
import { decideStatusFlush, parseStatusFlushMember } from '../domain/status-flush.js';
import { parseStormWindowMember, stormRequestFingerprint, windowDueAt } from '../domain/storm.js';
import { buildStormRemediationRequest, deduplicationStatus } from '../kube/remediation-request.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueIndex } from '../redis/due-index.js';
import type { EpisodeStore } from '../redis/episode-store.js';
import type { StormWindows } from '../redis/storm-windows.js';
import { logger } from '../telemetry/logger.js';

export interface SweepDeps {
  readonly dueIndex: DueIndex;
  readonly episodes: EpisodeStore;
  readonly windows: StormWindows;
  readonly writer: RemediationRequestWriter;
  readonly namespace: string;
  readonly clusterId?: string;
  readonly statusWriteIntervalSeconds: number;
  readonly storm: { readonly inactivitySeconds: number; readonly maxWindowSeconds: number };
  /** How long a claimed entry stays with this sweep before another may take it. */
  readonly leaseSeconds: number;
  /** Entries claimed per bucket per sweep (16 buckets). */
  readonly claimLimit: number;
  readonly now: () => Date;
}

export interface SweepSummary {
  readonly claimed: number;
  readonly statusWrites: number;
  readonly stormsClosed: number;
  readonly rescheduled: number;
  readonly dropped: number;
  readonly failed: number;
}

type WorkResult = 'status-written' | 'storm-closed' | 'rescheduled' | 'dropped';


/**
 * The scheduled sweep: claims due work (leased, so concurrent sweeps never do the same entry and a crashed
 * sweep's entries come back) and does it: deferred status writes with the latest counts, and closing
 * storm windows into their one aggregated RemediationRequest.
 */
export async function sweepDueWork(deps: SweepDeps): Promise<SweepSummary> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const members = await deps.dueIndex.claim(now, deps.leaseSeconds, deps.claimLimit);
  const results = await Promise.allSettled(members.map((member) => doWork(member, now, deps)));
  results.forEach((result, index) => {
    if (result.status === 'rejected') logger.warn('due work failed; it comes back after its lease', { member: members[index], error: String(result.reason) });
  });
  const count = (wanted: WorkResult) => results.filter((result) => result.status === 'fulfilled' && result.value === wanted).length;
  return {
    claimed: members.length,
    statusWrites: count('status-written'),
    stormsClosed: count('storm-closed'),
    rescheduled: count('rescheduled'),
    dropped: count('dropped'),
    failed: results.filter((result) => result.status === 'rejected').length,
  };
}

async function doWork(member: string, now: number, deps: SweepDeps): Promise<WorkResult> {
  const status = parseStatusFlushMember(member);
  if (status) return flushStatus(member, status.tenant, status.fingerprint, now, deps);
  const window = parseStormWindowMember(member);
  if (window) return closeWindow(member, window.tenant, window.stormPart, now, deps);
  logger.error('unknown due member dropped', { member });
  await deps.dueIndex.done(member);
  return 'dropped';
}

async function flushStatus(member: string, tenant: string, fingerprint: string, now: number, deps: SweepDeps): Promise<WorkResult> {
  const record = await deps.episodes.read(tenant, fingerprint);
  if (decideStatusFlush(record).action === 'drop' || !record) {
    await deps.dueIndex.done(member);
    return 'dropped';
  }
  const patched = await deps.writer.patchStatus(remediationRequestName(fingerprint, record.episodeStart), {
    deduplication: deduplicationStatus(record.occurrenceCount, record.episodeStart, record.lastSeen),
  });
  const after = patched === 'patched' ? await deps.episodes.statusWritten(tenant, fingerprint, record.episodeStart, record.occurrenceCount) : 'gone';
  if (after === 'stale') {
    await deps.dueIndex.reschedule({ member, dueAt: now + deps.statusWriteIntervalSeconds });
  } else {
    await deps.dueIndex.done(member);
  }
  return patched === 'patched' ? 'status-written' : 'dropped';
}

async function closeWindow(member: string, tenant: string, stormPart: string, now: number, deps: SweepDeps): Promise<WorkResult> {
  const closing = await deps.windows.close(tenant, stormPart, now);
  if (closing.kind === 'none') {
    await deps.dueIndex.done(member);
    return 'dropped';
  }
  if (closing.kind === 'not-due') {
    await deps.dueIndex.reschedule({ member, dueAt: closing.dueAt });
    return 'rescheduled';
  }
  const storm = closing.window;
  const request = buildStormRemediationRequest(stormRequestFingerprint(tenant, stormPart), storm, {
    namespace: deps.namespace,
    tenant,
    ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
  });
  await deps.writer.create(request);
  await deps.writer.patchStatus(request.metadata.name, {
    deduplication: deduplicationStatus(Math.max(storm.alertCount, 1), storm.start, storm.end),
    signal: { state: 'Firing' },
  });
  logger.info('storm closed', { tenant, name: request.metadata.name, alerts: storm.alertCount, trigger: storm.trigger, resources: storm.resources.length + storm.resourcesBeyondCap });
  const followUp = await deps.windows.finish(tenant, stormPart);
  if (followUp) await deps.dueIndex.reschedule({ member, dueAt: windowDueAt(followUp.start, followUp.lastNewResource, deps.storm) });
  else await deps.dueIndex.done(member);
  return 'storm-closed';
}
