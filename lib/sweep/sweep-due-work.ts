import { remediationRequestName } from '../domain/dedup-decision.js';
import { decideStatusFlush, parseStatusFlushMember } from '../domain/status-flush.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueIndex } from '../redis/due-index.js';
import type { EpisodeStore } from '../redis/episode-store.js';
import { logger } from '../telemetry/logger.js';

export interface SweepDeps {
  readonly dueIndex: DueIndex;
  readonly episodes: EpisodeStore;
  readonly writer: RemediationRequestWriter;
  readonly statusWriteIntervalSeconds: number;
  /** How long a claimed entry stays with this sweep before another may take it. */
  readonly leaseSeconds: number;
  /** Entries claimed per bucket per sweep (16 buckets). */
  readonly claimLimit: number;
  readonly now: () => Date;
}

export interface SweepSummary {
  readonly claimed: number;
  readonly statusWrites: number;
  readonly dropped: number;
  readonly failed: number;
}

const isoSeconds = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The scheduled sweep: claims due work (leased, so concurrent sweeps never do the same entry and a crashed
 * sweep's entries come back) and does it: deferred status writes with the latest counts.
 */
export async function sweepDueWork(deps: SweepDeps): Promise<SweepSummary> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const members = await deps.dueIndex.claim(now, deps.leaseSeconds, deps.claimLimit);
  const results = await Promise.allSettled(members.map((member) => flushStatus(member, now, deps)));
  results.forEach((result, index) => {
    if (result.status === 'rejected') logger.warn('due work failed; it comes back after its lease', { member: members[index], error: String(result.reason) });
  });
  const count = (wanted: 'written' | 'dropped') => results.filter((result) => result.status === 'fulfilled' && result.value === wanted).length;
  return { claimed: members.length, statusWrites: count('written'), dropped: count('dropped'), failed: results.filter((result) => result.status === 'rejected').length };
}

async function flushStatus(member: string, now: number, deps: SweepDeps): Promise<'written' | 'dropped'> {
  const entry = parseStatusFlushMember(member);
  if (!entry) {
    logger.error('unknown due member dropped', { member });
    await deps.dueIndex.done(member);
    return 'dropped';
  }
  const record = await deps.episodes.read(entry.tenant, entry.fingerprint);
  const decision = decideStatusFlush(record);
  if (decision.action === 'drop' || !record) {
    await deps.dueIndex.done(member);
    return 'dropped';
  }
  const patched = await deps.writer.patchStatus(remediationRequestName(entry.fingerprint, record.episodeStart), {
    deduplication: {
      occurrenceCount: record.occurrenceCount,
      firstSeenAt: isoSeconds(record.episodeStart),
      lastSeenAt: isoSeconds(record.lastSeen),
    },
  });
  const after = patched === 'patched' ? await deps.episodes.statusWritten(entry.tenant, entry.fingerprint, record.episodeStart, record.occurrenceCount) : 'gone';
  if (after === 'stale') await deps.dueIndex.reschedule({ member, dueAt: now + deps.statusWriteIntervalSeconds });
  else await deps.dueIndex.done(member);
  return patched === 'patched' ? 'written' : 'dropped';
}
