import { decideAdoption } from '../domain/adoption.js';
import { targetKey } from '../domain/fingerprint.js';
import { decideSignalAction, type OutcomeKind } from '../domain/lifecycle.js';
import { decideRemediationGate, type GateDecision, withheldRecheckMember } from '../domain/remediation-gate.js';
import { remediationRequestName } from '../domain/request-name.js';
import { deduplicationStatus, recurrenceStatus, resolvedSignal } from '../domain/request-status.js';
import type { Signal } from '../domain/signal.js';
import { buildRemediationRequest, targetLabel } from '../kube/remediation-request.js';
import type { RemediationRequestWriter } from '../kube/remediation-writer.js';
import type { DueIndex } from '../redis/due-index.js';
import type { EpisodeStore, ObservedSignal, WithholdReason } from '../redis/episode-store.js';
import type { SignalDecisionReport } from '../telemetry/decisions.js';
import { addMetric } from '../telemetry/metrics.js';

/** What making an episode's request needs: dedup's and the sweep's (a withheld episode's next look). */
export interface EpisodeRequestDeps {
  readonly episodes: EpisodeStore;
  readonly dueIndex: DueIndex;
  readonly writer: RemediationRequestWriter;
  readonly namespace: string;
  readonly clusterId?: string;
  /** MIN_FIRING_SECONDS, FLAP_RESOLVE_GRACE_SECONDS and REMEDIATION_COOLDOWN_SECONDS (lib/domain/remediation-gate.ts). */
  readonly gate: { readonly minFiringSeconds: number; readonly resolveGraceSeconds: number; readonly cooldownSeconds: number };
  readonly now: () => Date;
  /** FINGERPRINT_STRATEGY=owner: asks the API for a pod's owner before its request is made (SignalOwners). */
  readonly owners?: { resolve(tenant: string, signal: Signal): Promise<Signal> };
}

export type RequestResult = 'created' | 'already-exists' | 'adopted' | 'withheld';


const nowSeconds = (deps: EpisodeRequestDeps) => Math.floor(deps.now().getTime() / 1000);
// A withheld signal is kept this much longer than its next look is due (a late sweep still finds it).
const withheldSignalSlackSeconds = 3_600;

/**
 * Makes sure the episode's request exists, then writes the status its record shows at that moment; or
 * withholds it (remediation-gate.ts: not fired MIN_FIRING_SECONDS yet, a recent Completed remediation of
 * the target, a manual review). A new episode first asks Kubernetes (one list by the target's label, never
 * for a duplicate) what exists: its own request that survived a Redis that lost its state is adopted as it
 * is (Resolved stays Resolved and closes the record), and when no record existed at all an open one of
 * another episode of the fingerprint (another container opened it) is adopted and counted on; the
 * target's other requests say whether to withhold.
 */
export async function ensureEpisodeRequest(tenant: string, observed: Signal, outcome: ObservedSignal, deps: EpisodeRequestDeps, report: SignalDecisionReport): Promise<RequestResult> {
  const start = outcome.episodeStart;
  const name = remediationRequestName(observed.fingerprint, start);
  const now = nowSeconds(deps);
  // The flap guard needs nothing from Kubernetes: a deferred episode asks it nothing (no owner lookup either).
  const timing = decideRemediationGate({ now, episodeStart: start, ...deps.gate, earlier: [] });
  if (timing.kind === 'deferred') return withhold(tenant, observed, outcome, timing, deps, report);

  const signal = deps.owners ? await deps.owners.resolve(tenant, observed) : observed;
  const found = await deps.writer.find(`${targetLabel}=${targetKey(tenant, signal.target, signal.alertname)}`);
  const own = found.filter((request) => request.fingerprint === signal.fingerprint);
  const adoption = decideAdoption(own, name, outcome.kind === 'opened' && outcome.noRecord);
  const gate: GateDecision =
    adoption.kind === 'none'
      ? decideRemediationGate({ now, episodeStart: start, ...deps.gate, earlier: found.filter((request) => request.name !== name) })
      : { kind: 'create' };
  if (gate.kind !== 'create') return withhold(tenant, signal, outcome, gate, deps, report);
  report(signal, decideOutcome(outcome.kind), adoption.kind === 'other' ? adoption.name : name);

  const adopted =
    adoption.kind === 'same' ? { episodeStart: start, resolved: adoption.resolved } : adoption.kind === 'other' ? { episodeStart: adoption.episodeStart, resolved: false } : undefined;
  const created = adopted
    ? undefined
    : await deps.writer.create(
        buildRemediationRequest(signal, start, {
          namespace: deps.namespace,
          tenant,
          ...(deps.clusterId !== undefined && { clusterId: deps.clusterId }),
          ...(gate.previous !== undefined && { previousRequest: gate.previous }),
        }),
      );
  const confirmed = await deps.episodes.confirm(tenant, signal.fingerprint, start, adopted);
  if (!confirmed) return created?.result ?? 'adopted';
  if (confirmed.state === 'reopened') return ensureReopened(tenant, signal, outcome, confirmed.episodeStart, deps);
  const resolved = resolvedSignal(nowSeconds(deps));
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

const decideOutcome = (outcome: OutcomeKind) => ({ outcome, ...decideSignalAction(outcome) });

/**
 * An old copy's request was found Resolved, but the alert fired again meanwhile: that newer occurrence is an
 * episode of its own and gets its request now (each reopening starts later, so this ends). Already
 * reported: the decision was about the copy.
 */
function ensureReopened(tenant: string, signal: Signal, outcome: ObservedSignal, episodeStart: number, deps: EpisodeRequestDeps): Promise<RequestResult> {
  const newer = { ...signal, startsAt: new Date(episodeStart * 1000).toISOString() };
  return ensureEpisodeRequest(tenant, newer, { ...outcome, kind: 'pending', episodeStart, noRecord: false }, deps, () => undefined);
}

/**
 * No request now: the record says why (its receipt), the signal is kept for the sweep, which looks again
 * when the gate may open (the flap guard's minimum, the cooldown's end, every few minutes while a review
 * blocks); the next notification looks again too. A recurrence is counted on the Completed request.
 */
async function withhold(
  tenant: string,
  signal: Signal,
  outcome: ObservedSignal,
  gate: Exclude<GateDecision, { kind: 'create' }>,
  deps: EpisodeRequestDeps,
  report: SignalDecisionReport,
): Promise<RequestResult> {
  const reason: WithholdReason = gate.kind;
  const request = gate.kind === 'deferred' ? undefined : gate.request;
  report(signal, decideOutcome(reason), request);
  const now = nowSeconds(deps);
  const kept = await deps.episodes.withhold(tenant, signal, outcome.episodeStart, reason, Math.max(gate.until - now, 0) + withheldSignalSlackSeconds);
  if (kept === 'withheld') await deps.dueIndex.add([{ member: withheldRecheckMember(tenant, signal.fingerprint), dueAt: gate.until }]);
  if (kept === 'ended' && reason === 'deferred') addMetric('SignalsFlapped', 1);
  if (gate.kind === 'recurrence' && kept !== 'gone') {
    const written = await deps.writer.writeStatus(gate.request, { recurrences: recurrenceStatus(outcome.episodeStart) });
    if (written === 'written') addMetric('RecurrencesCounted', 1);
  }
  return 'withheld';
}
