import { decideSignalAction, type EpisodeOutcome, remediationRequestName, type SignalDecision } from '../domain/dedup-decision.js';
import type { Signal } from '../domain/signal.js';
import { statusFlushMember } from '../domain/status-flush.js';
import { KubeWriteError } from '../errors.js';
import { buildRemediationRequest } from '../kube/remediation-request.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueIndex } from '../redis/due-index.js';
import type { EpisodeStore } from '../redis/episode-store.js';
import { logger } from '../telemetry/logger.js';
import type { DedupBatch } from './dedup-batch.js';

export interface DedupDeps {
  readonly episodes: EpisodeStore;
  readonly dueIndex: DueIndex;
  readonly writer: RemediationRequestWriter;
  readonly namespace: string;
  readonly clusterId?: string;
  /** Duplicates update a request's status at most this often (the sweep writes the latest counts). */
  readonly statusWriteIntervalSeconds: number;
  readonly now: () => Date;
}

export interface DedupSummary {
  readonly created: number;
  readonly alreadyExisted: number;
  readonly duplicates: number;
  readonly resolved: number;
  readonly ignored: number;
}

type WriteResult = 'created' | 'already-exists' | 'resolved' | 'duplicate' | 'ignored';

const isoSeconds = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Dedup use case: one atomic Redis step per storm key decides every signal; new episodes become
 * RemediationRequests, resolved ones are marked, duplicates are counted and their status write is
 * deferred to the sweep (coalesced). A retryable failure fails the invocation so that Lambda retries it:
 * reserved-but-unconfirmed episodes come back as `pending` and are completed under the same name.
 */
export async function processDedupBatch(batch: DedupBatch, deps: DedupDeps): Promise<DedupSummary> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const observed = await deps.episodes.observe(batch.tenant, batch.signals, now);

  const settled = await Promise.allSettled(
    batch.signals.map((signal, index) => applyDecision(batch.tenant, signal, (observed[index] as (typeof observed)[number]).outcome, now, deps)),
  );

  const created = batch.signals.flatMap((signal, index) => {
    const result = settled[index];
    const outcome = observed[index]?.outcome;
    const exists = result?.status === 'fulfilled' && (result.value === 'created' || result.value === 'already-exists');
    return exists && outcome && 'episodeStart' in outcome ? [{ fingerprint: signal.fingerprint, episodeStart: outcome.episodeStart }] : [];
  });
  if (created.length > 0) await deps.episodes.confirmCreated(batch.tenant, created);

  const statusWrites = batch.signals.flatMap((signal, index) =>
    observed[index]?.statusWriteDue ? [{ member: statusFlushMember(batch.tenant, signal.fingerprint), dueAt: now + deps.statusWriteIntervalSeconds }] : [],
  );
  if (statusWrites.length > 0) await deps.dueIndex.add(statusWrites);

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
    ignored: count('ignored'),
  };
}

async function applyDecision(tenant: string, signal: Signal, outcome: EpisodeOutcome, now: number, deps: DedupDeps): Promise<WriteResult> {
  const decision = decideSignalAction(outcome);
  logDecision(tenant, signal, decision);
  if (outcome.kind === 'unmatched' || decision.action === 'ignore') return 'ignored';
  if (decision.action === 'count-duplicate') return 'duplicate';

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
    deduplication: {
      occurrenceCount: 'occurrenceCount' in outcome ? outcome.occurrenceCount : 1,
      firstSeenAt: isoSeconds(outcome.episodeStart),
      lastSeenAt: isoSeconds(now),
    },
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
