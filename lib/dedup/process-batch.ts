import { decideSignalAction, type OutcomeKind, type SignalAction } from '../domain/lifecycle.js';
import { decideAdoption } from '../domain/adoption.js';
import { remediationRequestName } from '../domain/request-name.js';
import { deduplicationStatus, resolvedSignal } from '../domain/request-status.js';
import type { Signal } from '../domain/signal.js';
import { statusFlushMember } from '../domain/status-flush.js';
import { type StormScope, stormPartOf, stormRequestFingerprint, stormWindowMember, truncatedStormParts } from '../domain/storm.js';
import { unixSeconds } from '../domain/time.js';
import { KubeWriteError } from '../errors.js';
import { buildRemediationRequest, fingerprintLabel } from '../kube/remediation-request.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueEntry, DueIndex } from '../redis/due-index.js';
import type { EpisodeStore, ObservedSignal, StormTouch } from '../redis/episode-store.js';
import { reportDecision } from '../telemetry/decisions.js';
import { addMetric } from '../telemetry/metrics.js';
import type { DedupBatch } from './dedup-batch.js';

export interface DedupDeps {
  readonly episodes: EpisodeStore;
  readonly dueIndex: DueIndex;
  readonly writer: RemediationRequestWriter;
  readonly namespace: string;
  readonly clusterId?: string;
  /** Duplicates update a request's status at most this often (the sweep writes the latest counts). */
  readonly statusWriteIntervalSeconds: number;
  readonly storm: { readonly holdSeconds: number; readonly scope: StormScope };
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** FINGERPRINT_STRATEGY=owner: asks the API for a pod's owner before its request is made (SignalOwners). */
  readonly owners?: { resolve(tenant: string, signal: Signal): Promise<Signal> };
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
}

type WriteResult = 'created' | 'already-exists' | 'adopted' | 'resolved' | 'duplicate' | 'stormed' | 'held' | 'ignored';

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
  const immediate = Promise.allSettled(signals.map((signal, index) => applyDecision(tenant, signal, outcomes[index] as ObservedSignal, deps)));
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
  const afterHold = await Promise.allSettled(held.map((index) => applyDecision(tenant, signals[index] as Signal, outcomes[index] as ObservedSignal, deps)));
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

async function applyDecision(tenant: string, observedSignal: Signal, outcome: ObservedSignal, deps: DedupDeps): Promise<WriteResult> {
  const decision = decideSignalAction(outcome.kind);
  const signal = decision.action === 'create-request' && deps.owners ? await deps.owners.resolve(tenant, observedSignal) : observedSignal;
  const request = decidedRequestName(tenant, signal, outcome, decision.action);
  reportDecision({
    tenant,
    fingerprint: signal.fingerprint,
    groupKey: signal.groupKey,
    alertname: signal.alertname,
    outcome: outcome.kind,
    action: decision.action,
    reason: decision.reason,
    ...(request !== undefined && { request }),
    ...(signal.owner !== undefined && { owner: signal.owner }),
  });
  // Counted as decided: a retry of this batch reports these signals as retried, so nothing counts twice.
  if (decision.action === 'count-duplicate') addMetric('DuplicatesAbsorbed', 1);
  if (decision.action === 'join-storm') addMetric('StormAlertsAbsorbed', 1);
  switch (decision.action) {
    case 'create-request':
      return ensureRequest(tenant, signal, outcome, deps);
    case 'mark-resolved':
      return markResolved(signal, outcome, deps);
    case 'count-duplicate':
      return 'duplicate';
    case 'join-storm':
      return 'stormed';
    case 'hold':
      return 'held';
    case 'ignore':
      return 'ignored';
  }
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
 * Makes sure the episode's request exists, then writes the status its record shows at that moment. A new
 * episode first asks Kubernetes (one list by fingerprint label, never for a duplicate) whether a request
 * survived a Redis that lost its state: the same episode's request is adopted as it is (Resolved stays
 * Resolved and closes the record), and when no record existed at all an open one of another episode of
 * the fingerprint (another container opened it) is adopted and counted on.
 */
async function ensureRequest(tenant: string, signal: Signal, outcome: ObservedSignal, deps: DedupDeps): Promise<WriteResult> {
  const start = outcome.episodeStart;
  const name = remediationRequestName(signal.fingerprint, start);
  const adoption = outcome.kind === 'opened' ? decideAdoption(await deps.writer.find(`${fingerprintLabel}=${signal.fingerprint}`), name, outcome.noRecord) : undefined;
  const adopted =
    adoption?.kind === 'same' ? { episodeStart: start, resolved: adoption.resolved } : adoption?.kind === 'other' ? { episodeStart: adoption.episodeStart, resolved: false } : undefined;
  const created = adopted
    ? undefined
    : await deps.writer.create(
        buildRemediationRequest(signal, start, {
          namespace: deps.namespace,
          tenant,
          ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
        }),
      );
  const confirmed = await deps.episodes.confirm(tenant, signal.fingerprint, start, adopted);
  if (!confirmed) return created?.result ?? 'adopted';
  if (confirmed.state === 'reopened') return ensureReopened(tenant, signal, outcome, confirmed.episodeStart, deps);
  const now = nowSeconds(deps);
  const resolved = resolvedSignal(now);
  if (confirmed.state === 'superseded') {
    // The alert resolved and fired again while this request was being created (or adopted): this episode is over.
    await deps.writer.writeStatus(remediationRequestName(signal.fingerprint, adopted?.episodeStart ?? start), { signal: resolved }, created?.known);
    return created?.result ?? 'adopted';
  }
  const written = await deps.writer.writeStatus(
    remediationRequestName(signal.fingerprint, confirmed.episodeStart),
    {
      deduplication: deduplicationStatus(confirmed.occurrenceCount, confirmed.episodeStart, confirmed.lastSeen),
      signal: confirmed.state === 'resolved' ? resolved : { state: 'Firing' },
    },
    created?.known,
  );
  if (written === 'resolved') {
    // The request of this very episode already shows Resolved (a late copy after Redis lost its state).
    const closed = await deps.episodes.confirm(tenant, signal.fingerprint, confirmed.episodeStart, { episodeStart: confirmed.episodeStart, resolved: true });
    if (closed?.state === 'reopened') return ensureReopened(tenant, signal, outcome, closed.episodeStart, deps);
  }
  return created?.result ?? 'adopted';
}

/**
 * An old copy's request was found Resolved, but the alert fired again meanwhile: that newer occurrence is an
 * episode of its own and gets its request now (each reopening starts later, so this ends).
 */
function ensureReopened(tenant: string, signal: Signal, outcome: ObservedSignal, episodeStart: number, deps: DedupDeps): Promise<WriteResult> {
  const newer = { ...signal, startsAt: new Date(episodeStart * 1000).toISOString() };
  return ensureRequest(tenant, newer, { ...outcome, kind: 'pending', episodeStart, noRecord: false }, deps);
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
