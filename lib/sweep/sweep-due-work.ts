import { remediationRequestName } from '../domain/request-name.js';
import { deduplicationStatus, resolvedSignal } from '../domain/request-status.js';
import { decideStatusFlush, parseStatusFlushMember } from '../domain/status-flush.js';
import { parseStormWindowMember, stormRequestFingerprint, type StormSnapshot } from '../domain/storm.js';
import { decideAdoption } from '../domain/adoption.js';
import { buildStormRemediationRequest, stormKeyLabel, stormLabel, stormRequestStatus } from '../kube/remediation-request.js';
import type { KnownRequest } from '../kube/remediation-writer.js';
import type { ClaimedEntry } from '../redis/due-index.js';
import { ensureEpisodeRequest, type EpisodeRequestDeps } from '../dedup/episode-request.js';
import { parseWithheldRecheckMember } from '../domain/remediation-gate.js';
import { signalDecisionReporter } from '../telemetry/decisions.js';
import type { StormEpisodes } from '../redis/storm-episodes.js';
import { logger } from '../telemetry/logger.js';
import { addMetric } from '../telemetry/metrics.js';

export interface SweepDeps extends EpisodeRequestDeps {
  readonly storms: StormEpisodes;
  readonly statusWriteIntervalSeconds: number;
  /** How long a claimed entry stays with this sweep before another may take it. */
  readonly leaseSeconds: number;
  /** Entries claimed per bucket per sweep (16 buckets). */
  readonly claimLimit: number;
}

export interface SweepSummary {
  readonly claimed: number;
  readonly statusWrites: number;
  readonly stormsCreated: number;
  readonly stormsEnded: number;
  readonly rescheduled: number;
  readonly dropped: number;
  readonly failed: number;
  /** Withheld episodes looked at again: their requests made now. */
  readonly released: number;
}

type WorkResult = 'status-written' | 'storm-created' | 'storm-ended' | 'rescheduled' | 'dropped' | 'released';

/**
 * The scheduled sweep: claims due work (leased, so concurrent sweeps never do the same entry and a crashed
 * sweep's entries come back) and does it: deferred status writes of episodes with the latest counts, and
 * storm episodes: close the window into their one aggregated request, keep its status current, mark it
 * Resolved when the storm ends.
 */
export async function sweepDueWork(deps: SweepDeps): Promise<SweepSummary> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const claimed = await deps.dueIndex.claim(now, deps.leaseSeconds, deps.claimLimit);
  const results = await Promise.allSettled(claimed.map((entry) => doWork(entry, now, deps)));
  results.forEach((result, index) => {
    if (result.status === 'rejected') logger.warn('due work failed; it comes back after its lease', { member: claimed[index]?.member, error: String(result.reason) });
  });
  const count = (wanted: WorkResult) => results.filter((result) => result.status === 'fulfilled' && result.value === wanted).length;
  return {
    claimed: claimed.length,
    statusWrites: count('status-written'),
    stormsCreated: count('storm-created'),
    stormsEnded: count('storm-ended'),
    rescheduled: count('rescheduled'),
    dropped: count('dropped'),
    released: count('released'),
    failed: results.filter((result) => result.status === 'rejected').length,
  };
}

async function doWork(entry: ClaimedEntry, now: number, deps: SweepDeps): Promise<WorkResult> {
  const status = parseStatusFlushMember(entry.member);
  if (status) return flushStatus(entry, status.tenant, status.fingerprint, now, deps);
  const storm = parseStormWindowMember(entry.member);
  if (storm) return advanceStorm(entry, storm.tenant, storm.stormPart, now, deps);
  const withheld = parseWithheldRecheckMember(entry.member);
  if (withheld) return recheckWithheld(entry, withheld.tenant, withheld.fingerprint, deps);
  logger.error('unknown due member dropped', { member: entry.member });
  await deps.dueIndex.finish(entry);
  return 'dropped';
}

async function flushStatus(entry: ClaimedEntry, tenant: string, fingerprint: string, now: number, deps: SweepDeps): Promise<WorkResult> {
  const record = await deps.episodes.read(tenant, fingerprint);
  if (!record || decideStatusFlush(record).action === 'drop') {
    await deps.dueIndex.finish(entry);
    return 'dropped';
  }
  const written = await deps.writer.writeStatus(remediationRequestName(fingerprint, record.episodeStart), {
    deduplication: deduplicationStatus(record.occurrenceCount, record.episodeStart, record.lastSeen),
  });
  const after = written === 'not-found' ? 'gone' : await deps.episodes.statusWritten(tenant, fingerprint, record.episodeStart, record.occurrenceCount);
  await deps.dueIndex.finish(entry, after === 'stale' ? now + deps.statusWriteIntervalSeconds : undefined);
  return written === 'not-found' ? 'dropped' : 'status-written';
}

/**
 * A withheld episode's next look (the flap guard's minimum passed, the cooldown ended, a review may have
 * been cleared): the same gate as dedup's, with the signal dedup kept. Withheld again, it schedules its
 * next look itself; an episode that resolved, got its request, or went is dropped.
 */
async function recheckWithheld(entry: ClaimedEntry, tenant: string, fingerprint: string, deps: SweepDeps): Promise<WorkResult> {
  const record = await deps.episodes.read(tenant, fingerprint);
  const signal = record?.withheld ? await deps.episodes.withheldSignal(tenant, fingerprint) : undefined;
  if (record?.withheld && !signal) logger.warn('a withheld episode’s signal is gone or unreadable; its next notification looks again', { tenant, fingerprint });
  if (!record?.withheld || !signal) {
    await deps.dueIndex.finish(entry);
    return 'dropped';
  }
  const outcome = { kind: 'pending' as const, episodeStart: record.episodeStart, occurrenceCount: record.occurrenceCount, statusWriteDue: false, noRecord: false };
  const result = await ensureEpisodeRequest(tenant, signal, outcome, deps, signalDecisionReporter(tenant));
  // Withheld again: its next look is in the index already (at a later time, or now for a claim's score).
  await deps.dueIndex.finish(entry);
  return result === 'withheld' ? 'rescheduled' : 'released';
}

/** One step of a storm episode: create its request when the window closed, or bring its status up to date. */
async function advanceStorm(entry: ClaimedEntry, tenant: string, stormPart: string, now: number, deps: SweepDeps): Promise<WorkResult> {
  const due = await deps.storms.due(tenant, stormPart, now);
  if (due.previous > 0) {
    // The storm before this one ended but a new one began before its request showed it. A failure here
    // must not hold up the new storm: it is tried again on the storm's next step.
    const previousName = remediationRequestName(stormRequestFingerprint(tenant, stormPart), due.previous);
    try {
      const written = await deps.writer.writeStatus(previousName, { signal: resolvedSignal(now) });
      if (written === 'marked-resolved') addMetric('StormsClosed', 1);
      await deps.storms.previousShown(tenant, stormPart, due.previous);
    } catch (error) {
      logger.warn('could not mark the previous storm request Resolved; trying again later', { tenant, name: previousName, error: String(error) });
    }
  }
  if (due.kind === 'none') {
    await deps.dueIndex.finish(entry);
    return 'dropped';
  }
  if (due.kind === 'not-due') {
    await deps.dueIndex.finish(entry, due.dueAt);
    return 'rescheduled';
  }
  const step = due.kind === 'create' ? await createStormRequest(tenant, stormPart, due.storm, deps) : { storm: due.storm };
  if (!step) {
    await deps.dueIndex.finish(entry);
    return 'dropped';
  }
  const { storm } = step;
  const result: WorkResult = due.kind === 'create' ? 'storm-created' : 'status-written';
  const name = remediationRequestName(stormRequestFingerprint(tenant, stormPart), storm.requestStart);
  // Counted when this write showed the storm's end, so a race with the previous-storm path counts it once.
  if ((await deps.writer.writeStatus(name, stormRequestStatus(storm, now), step.known)) === 'marked-resolved') addMetric('StormsClosed', 1);
  const written = await deps.storms.statusWritten(tenant, stormPart, storm.start, storm.version, now);
  await deps.dueIndex.finish(entry, written.kind === 'done' ? undefined : written.dueAt);
  if (storm.ended && written.kind === 'done') {
    logger.info('storm ended', { tenant, name, members: storm.members, alerts: storm.alertCount });
    return result === 'storm-created' ? result : 'storm-ended';
  }
  return result;
}

/**
 * The window closed: create the ONE aggregated request, unless an open one of this storm key survived a
 * Redis that lost its state (found by label), which is adopted instead.
 */
async function createStormRequest(tenant: string, stormPart: string, storm: StormSnapshot, deps: SweepDeps): Promise<{ storm: StormSnapshot; known?: KnownRequest } | undefined> {
  const stormFingerprint = stormRequestFingerprint(tenant, stormPart);
  const adoption = decideAdoption(await deps.writer.find(`${stormKeyLabel}=${stormPart},${stormLabel}=true`), remediationRequestName(stormFingerprint, storm.start), true);
  if (adoption.kind === 'other') {
    logger.info('storm adopts an open request', { tenant, name: adoption.name });
    const adopted = await deps.storms.created(tenant, stormPart, storm.start, adoption.episodeStart);
    return adopted && { storm: adopted };
  }
  const request = buildStormRemediationRequest(stormFingerprint, stormPart, storm, {
    namespace: deps.namespace,
    tenant,
    ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
  });
  const created = await deps.writer.create(request);
  if (created.result === 'created') addMetric('StormsOpened', 1);
  logger.info('storm request created', { tenant, name: request.metadata.name, alerts: storm.alertCount, trigger: storm.trigger, resources: storm.resources.length + storm.resourcesBeyondCap });
  const snapshot = await deps.storms.created(tenant, stormPart, storm.start);
  return snapshot && { storm: snapshot, ...(created.known && { known: created.known }) };
}
