import { decideSignalAction, type OutcomeKind, type SignalAction } from '../domain/lifecycle.js';
import { remediationRequestName } from '../domain/request-name.js';
import { deduplicationStatus, resolvedSignal } from '../domain/request-status.js';
import { type EpisodeRequestDeps, ensureEpisodeRequest, type RequestResult } from './episode-request.js';
import type { Signal } from '../domain/signal.js';
import { statusFlushMember } from '../domain/status-flush.js';
import { type StormScope, stormPartOf, stormRequestFingerprint, stormWindowMember, truncatedStormParts } from '../domain/storm.js';
import { unixSeconds } from '../domain/time.js';
import { KubeWriteError } from '../errors.js';
import type { DueEntry } from '../redis/due-index.js';
import type { ObservedSignal, StormTouch } from '../redis/episode-store.js';
import { signalDecisionReporter } from '../telemetry/decisions.js';
import { addMetric } from '../telemetry/metrics.js';
import type { DedupBatch } from './dedup-batch.js';

export interface DedupDeps extends EpisodeRequestDeps {
  /** Duplicates update a request's status at most this often (the sweep writes the latest counts). */
  readonly statusWriteIntervalSeconds: number;
  readonly storm: { readonly holdSeconds: number; readonly scope: StormScope };
  readonly sleep: (milliseconds: number) => Promise<void>;
}

export interface DedupSummary {
  readonly created: number;
  readonly alreadyExisted: number;
  readonly adopted: number;
  readonly duplicates: number;
  readonly resolved: number;
  readonly stormed: number;
  readonly held: number;
  readonly ignored: number;
  readonly withheld: number;
}

type WriteResult = RequestResult | 'resolved' | 'duplicate' | 'stormed' | 'held' | 'ignored';

const nowSeconds = (deps: DedupDeps) => Math.floor(deps.now().getTime() / 1000);

/**
 * Dedup use case (docs/LIFECYCLE.md). One atomic Redis step per storm key decides every signal; this
 * function carries the decisions out: a new episode becomes a RemediationRequest (after asking Kubernetes
 * whether Redis lost one), a closed episode's request is marked Resolved, duplicates and storm members
 * are left to the sweep's coalesced status writes. A new signal of a storm key with recent activity is
 * held a few seconds and then joins the storm that formed meanwhile or gets its own request. A retryable
 * failure fails the invocation so that Lambda retries it; the retry counts nothing again and completes
 * what the first attempt left undone.
 */
export async function processDedupBatch(batch: DedupBatch, deps: DedupDeps): Promise<DedupSummary> {
  const { tenant, signals } = batch;
  const now = nowSeconds(deps);
  const truncated = truncatedStormParts(signals, batch.groupLabels, batch.truncatedAlerts, deps.storm.scope);
  const observed = await deps.episodes.observe(tenant, signals, now, { requestId: batch.requestId, truncated });
  const outcomes: ObservedSignal[] = [...observed.results];
  // Scheduled before any Kubernetes work: an invocation that fails later must not leave a window unswept.
  await scheduleDueWork(tenant, signals, observed.results, observed.storms, now, deps);

  const held = signals.flatMap((_, index) => (outcomes[index]?.kind === 'held' ? [index] : []));
  const episodeWork: EpisodeWork = new Map();
  const immediate = Promise.allSettled(signals.map((signal, index) => applyDecision(tenant, signal, outcomes[index] as ObservedSignal, deps, episodeWork)));
  if (held.length > 0) {
    await deps.sleep(deps.storm.holdSeconds * 1000);
    const resolution = await deps.episodes.resolveHeld(tenant, held.map((index) => signals[index] as Signal), nowSeconds(deps));
    await scheduleDueWork(tenant, [], [], resolution.storms, now, deps);
    resolution.results.forEach((result, position) => {
      const index = held[position] as number;
      const kind: OutcomeKind = result.kind === 'released' ? 'pending' : result.kind === 'stormed' ? 'stormed' : 'ended-in-hold';
      outcomes[index] = {
        kind,
        episodeStart: result.kind === 'gone' ? 0 : result.episodeStart,
        occurrenceCount: result.kind === 'released' ? result.occurrenceCount : 0,
        statusWriteDue: false,
        noRecord: false,
      };
    });
  }
  const settled = await immediate;
  const afterHold = await Promise.allSettled(held.map((index) => applyDecision(tenant, signals[index] as Signal, outcomes[index] as ObservedSignal, deps, episodeWork)));
  held.forEach((index, position) => {
    settled[index] = afterHold[position] as PromiseSettledResult<WriteResult>;
  });

  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    // Throw the first retryable failure if any: one failed write must not turn a retryable batch terminal.
    throw failures.find((failure) => failure instanceof KubeWriteError && failure.retryable) ?? failures[0];
  }

  const results = settled.map((result) => (result as PromiseFulfilledResult<WriteResult>).value);
  const count = (wanted: WriteResult) => results.filter((result) => result === wanted).length;
  // One notification's signals share its arrival time.
  const received = signals[0]?.receivedAt;
  if (received !== undefined) addMetric('DecisionLatency', Math.max(0, deps.now().getTime() - Date.parse(received)));
  return {
    created: count('created'),
    alreadyExisted: count('already-exists'),
    adopted: count('adopted'),
    duplicates: count('duplicate'),
    resolved: count('resolved'),
    stormed: count('stormed'),
    held: held.length,
    ignored: count('ignored'),
    withheld: count('withheld'),
  };
}

/** Deferred status writes of duplicates, and the storm episodes' next steps, into the due index. */
async function scheduleDueWork(tenant: string, signals: readonly Signal[], results: readonly ObservedSignal[], storms: readonly StormTouch[], now: number, deps: DedupDeps): Promise<void> {
  const due: DueEntry[] = [
    ...signals.flatMap((signal, index) =>
      results[index]?.statusWriteDue ? [{ member: statusFlushMember(tenant, signal.fingerprint), dueAt: now + deps.statusWriteIntervalSeconds }] : [],
    ),
    ...storms.map((storm) => ({ member: stormWindowMember(tenant, storm.stormPart), dueAt: storm.dueAt })),
  ];
  if (due.length > 0) await deps.dueIndex.add(due);
}

/**
 * A batch's request work per episode: several alerts of one episode in one notification (the containers of
 * a pod, the pods of one owner) are all `pending` until its request is confirmed; the first one makes it
 * (one owner lookup, one list, one create), the others wait for that.
 */
type EpisodeWork = Map<string, Promise<RequestResult>>;

async function applyDecision(tenant: string, signal: Signal, outcome: ObservedSignal, deps: DedupDeps, episodeWork: EpisodeWork): Promise<WriteResult> {
  const decision = decideSignalAction(outcome.kind);
  const report = signalDecisionReporter(tenant);
  if (decision.action === 'create-request') {
    const episode = `${signal.fingerprint}/${outcome.episodeStart}`;
    const leader = episodeWork.get(episode);
    if (leader) {
      report(signal, { outcome: outcome.kind, ...decision }, undefined);
      await leader.catch(() => undefined);
      return 'duplicate';
    }
    const work = ensureEpisodeRequest(tenant, signal, outcome, deps, report);
    episodeWork.set(episode, work);
    return work;
  }
  if (outcome.kind === 'flapped' && firedSeconds(signal, outcome) >= deps.gate.minFiringSeconds) {
    // It did fire MIN_FIRING_SECONDS, but its resolve came before stormgate made the request (Alertmanager
    // sends a resolve up to a group_interval late): no flap, and no alert lost: its request, already Resolved.
    return ensureEpisodeRequest(tenant, signal, { ...outcome, kind: 'closed' }, deps, report);
  }
  report(signal, { outcome: outcome.kind, ...decision }, decidedRequestName(tenant, signal, outcome, decision.action));
  switch (decision.action) {
    case 'mark-resolved':
      return markResolved(signal, outcome, deps);
    case 'count-duplicate':
      return 'duplicate';
    case 'join-storm':
      return 'stormed';
    case 'hold':
      return 'held';
    case 'count-recurrence':
    case 'withhold':
    case 'ignore':
      return 'ignored';
  }
}

/** How long a resolved alert fired, by Alertmanager's times (its endsAt; when it has none, when it arrived). */
function firedSeconds(signal: Signal, outcome: ObservedSignal): number {
  return unixSeconds(signal.endsAt ?? signal.receivedAt) - outcome.episodeStart;
}

/** The request a decision points to: the episode's own, or its storm's (an adopted request may differ). */
function decidedRequestName(tenant: string, signal: Signal, outcome: ObservedSignal, action: SignalAction): string | undefined {
  if (action === 'join-storm') return outcome.episodeStart > 0 ? remediationRequestName(stormRequestFingerprint(tenant, stormPartOf(signal.fingerprint)), outcome.episodeStart) : undefined;
  if (action === 'hold' || action === 'ignore') return undefined;
  const start = requestStartOf(signal, outcome);
  return start !== undefined && start > 0 ? remediationRequestName(signal.fingerprint, start) : undefined;
}

/**
 * The episode start that names the signal's own request: a tombstone's is its alert's start, and one made
 * beside a record (not after lost state) names no request (undefined).
 */
function requestStartOf(signal: Signal, outcome: ObservedSignal): number | undefined {
  if (outcome.kind !== 'tombstone') return outcome.episodeStart;
  return outcome.noRecord ? unixSeconds(signal.startsAt) : undefined;
}

/**
 * A closed episode's request shows Resolved. When its request is not created yet, the creator writes
 * Resolved after confirming (it reads the closed record), so a 404 here is fine. A resolved alert that
 * found no record at all (Redis lost state) resolves the request of exactly its own episode, if any.
 */
async function markResolved(signal: Signal, outcome: ObservedSignal, deps: DedupDeps): Promise<WriteResult> {
  const start = requestStartOf(signal, outcome);
  if (start === undefined) return 'ignored';
  const now = nowSeconds(deps);
  const written = await deps.writer.writeStatus(remediationRequestName(signal.fingerprint, start), {
    ...(outcome.kind === 'closed' && { deduplication: deduplicationStatus(outcome.occurrenceCount, start, now) }),
    signal: resolvedSignal(now),
  });
  return written === 'not-found' ? 'ignored' : 'resolved';
}
