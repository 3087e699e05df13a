import { decideSignalAction, type EpisodeOutcome, remediationRequestName, type SignalDecision } from '../domain/dedup-decision.js';
import type { Signal } from '../domain/signal.js';
import { statusFlushMember } from '../domain/status-flush.js';
import { stormWindowMember, windowDueAt } from '../domain/storm.js';
import { KubeWriteError } from '../errors.js';
import { buildRemediationRequest, deduplicationStatus } from '../kube/remediation-request.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueEntry, DueIndex } from '../redis/due-index.js';
import type { EpisodeStore, WindowTouch } from '../redis/episode-store.js';
import { logger } from '../telemetry/logger.js';
import type { DedupBatch } from './dedup-batch.js';
import { isoSeconds } from '../domain/time.js';

export interface DedupDeps {
  readonly episodes: EpisodeStore;
  readonly dueIndex: DueIndex;
  readonly writer: RemediationRequestWriter;
  readonly namespace: string;
  readonly clusterId?: string;
  /** Duplicates update a request's status at most this often (the sweep writes the latest counts). */
  readonly statusWriteIntervalSeconds: number;
  readonly storm: { readonly holdSeconds: number; readonly inactivitySeconds: number; readonly maxWindowSeconds: number };
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

export interface DedupSummary {
  readonly created: number;
  readonly alreadyExisted: number;
  readonly duplicates: number;
  readonly resolved: number;
  readonly stormed: number;
  readonly held: number;
  readonly ignored: number;
}

type WriteResult = 'created' | 'already-exists' | 'resolved' | 'duplicate' | 'stormed' | 'held' | 'ignored';

const nowSeconds = (deps: DedupDeps) => Math.floor(deps.now().getTime() / 1000);

/**
 * Dedup use case. One atomic Redis step per storm key decides every signal: a new episode becomes a
 * RemediationRequest; a duplicate is counted (its status write deferred to the sweep); a resolved alert
 * marks its request; a signal of a storm joins the storm's window; a new signal of a storm key with
 * recent activity is held for a few seconds and then joins the storm that formed meanwhile or gets its
 * own request. A retryable failure fails the invocation so that Lambda retries it: reserved and held
 * episodes come back and are completed under the same deterministic names.
 */
export async function processDedupBatch(batch: DedupBatch, deps: DedupDeps): Promise<DedupSummary> {
  const { tenant, signals } = batch;
  const now = nowSeconds(deps);
  const observed = await deps.episodes.observe(tenant, signals, now, { requestId: batch.requestId, truncatedAlerts: batch.truncatedAlerts });
  const windows: WindowTouch[] = [...observed.windows];
  const outcomes = observed.results.map((result) => result.outcome);

  const held = signals.flatMap((signal, index) => (outcomes[index]?.kind === 'held' ? [index] : []));
  const immediate = Promise.allSettled(signals.map((signal, index) => applyDecision(tenant, signal, outcomes[index] as EpisodeOutcome, deps)));
  if (held.length > 0) {
    await deps.sleep(deps.storm.holdSeconds * 1000);
    const heldSignals = held.map((index) => signals[index] as Signal);
    const resolution = await deps.episodes.resolveHeld(tenant, heldSignals, nowSeconds(deps));
    windows.push(...resolution.windows);
    resolution.results.forEach((result, position) => {
      const index = held[position] as number;
      outcomes[index] = result.kind === 'released' ? { kind: 'pending', episodeStart: result.episodeStart, occurrenceCount: result.occurrenceCount } : result.kind === 'stormed' ? result : { kind: 'unmatched' };
    });
  }
  const settled = await immediate;
  const afterHold = await Promise.allSettled(
    held.map((index) => applyDecision(tenant, signals[index] as Signal, outcomes[index] as EpisodeOutcome, deps)),
  );
  held.forEach((index, position) => {
    settled[index] = afterHold[position] as PromiseSettledResult<WriteResult>;
  });

  const created = signals.flatMap((signal, index) => {
    const result = settled[index];
    const outcome = outcomes[index];
    const exists = result?.status === 'fulfilled' && (result.value === 'created' || result.value === 'already-exists');
    return exists && outcome && 'episodeStart' in outcome ? [{ fingerprint: signal.fingerprint, episodeStart: outcome.episodeStart }] : [];
  });
  if (created.length > 0) await deps.episodes.confirmCreated(tenant, created);

  const due: DueEntry[] = [
    ...signals.flatMap((signal, index) =>
      observed.results[index]?.statusWriteDue ? [{ member: statusFlushMember(tenant, signal.fingerprint), dueAt: now + deps.statusWriteIntervalSeconds }] : [],
    ),
    ...windows.map((window) => ({ member: stormWindowMember(tenant, window.stormPart), dueAt: windowDueAt(window.start, window.lastNewResource, deps.storm) })),
  ];
  if (due.length > 0) await deps.dueIndex.add(due);

  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    // Throw the first retryable failure if any: one failed write must not turn a retryable batch terminal.
    throw failures.find((failure) => failure instanceof KubeWriteError && failure.retryable) ?? failures[0];
  }

  const results = settled.map((result) => (result as PromiseFulfilledResult<WriteResult>).value);
  const count = (wanted: WriteResult) => results.filter((result) => result === wanted).length;
  return {
    created: count('created'),
    alreadyExisted: count('already-exists'),
    duplicates: count('duplicate'),
    resolved: count('resolved'),
    stormed: count('stormed'),
    held: held.length,
    ignored: count('ignored'),
  };
}

async function applyDecision(tenant: string, signal: Signal, outcome: EpisodeOutcome, deps: DedupDeps): Promise<WriteResult> {
  const decision = decideSignalAction(outcome);
  logDecision(tenant, signal, decision);
  switch (decision.action) {
    case 'ignore':
      return 'ignored';
    case 'count-duplicate':
      return 'duplicate';
    case 'join-storm':
      return 'stormed';
    case 'hold':
      return 'held';
    default:
      break;
  }
  if (!('episodeStart' in outcome)) return 'ignored';
  const now = nowSeconds(deps);
  const name = remediationRequestName(signal.fingerprint, outcome.episodeStart);
  if (decision.action === 'mark-resolved') {
    const patched = await deps.writer.patchStatus(name, { signal: { state: 'Resolved', resolvedAt: isoSeconds(now) } });
    return patched === 'patched' ? 'resolved' : 'ignored';
  }

  const request = buildRemediationRequest(signal, outcome.episodeStart, {
    namespace: deps.namespace,
    tenant,
    ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
  });
  const created = await deps.writer.create(request);
  await deps.writer.patchStatus(name, {
    deduplication: deduplicationStatus('occurrenceCount' in outcome ? outcome.occurrenceCount : 1, outcome.episodeStart, now),
    signal: { state: 'Firing' },
  });
  return created;
}

function logDecision(tenant: string, signal: Signal, decision: SignalDecision): void {
  logger.info('signal decided', {
    tenant,
    fingerprint: signal.fingerprint,
    groupKey: signal.groupKey,
    alertname: signal.alertname,
    action: decision.action,
    reason: decision.reason,
  });
}
