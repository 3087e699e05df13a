/**
 * What the episode store reported for one signal, after its atomic step in Redis:
 * - opened: first firing of a new episode; this invocation reserved it.
 * - pending: the episode was reserved earlier but its RemediationRequest was never confirmed
 *   (a crashed or concurrent invocation); creating it again is safe because the name is deterministic.
 * - repeated: the episode is open and its request exists; the occurrence was counted.
 * - redelivered: like repeated, and the delivery key equals the last one within the HA window: an
 *   Alertmanager HA peer's copy of the same notification.
 * - closed: a resolved alert ended an open episode.
 * - unmatched: a resolved alert with no open episode (already resolved, or never seen).
 * - held: a new signal of a storm key with recent activity, waiting a few seconds to see if a storm forms.
 * - stormed: the signal belongs to an open storm window (no episode of its own; `episodeStart` is the
 *   window's start).
 */
export type EpisodeOutcome =
  | { kind: 'opened'; episodeStart: number }
  | { kind: 'pending' | 'repeated' | 'redelivered' | 'closed' | 'held'; episodeStart: number; occurrenceCount: number }
  | { kind: 'stormed'; episodeStart: number }
  | { kind: 'unmatched' };

export type EpisodeOutcomeKind = EpisodeOutcome['kind'];

export type SignalAction = 'create-request' | 'count-duplicate' | 'mark-resolved' | 'hold' | 'join-storm' | 'ignore';

export type DecisionReason =
  | 'new-episode'
  | 'completing-reserved-episode'
  | 'duplicate-of-open-episode'
  | 'ha-peer-redelivery'
  | 'resolved-open-episode'
  | 'resolved-without-open-episode'
  | 'storm-suspected'
  | 'part-of-storm';

export interface SignalDecision {
  readonly action: SignalAction;
  readonly reason: DecisionReason;
}

const decisions: Record<EpisodeOutcomeKind, SignalDecision> = {
  opened: { action: 'create-request', reason: 'new-episode' },
  pending: { action: 'create-request', reason: 'completing-reserved-episode' },
  repeated: { action: 'count-duplicate', reason: 'duplicate-of-open-episode' },
  redelivered: { action: 'count-duplicate', reason: 'ha-peer-redelivery' },
  closed: { action: 'mark-resolved', reason: 'resolved-open-episode' },
  unmatched: { action: 'ignore', reason: 'resolved-without-open-episode' },
  held: { action: 'hold', reason: 'storm-suspected' },
  stormed: { action: 'join-storm', reason: 'part-of-storm' },
};

/** Pure: what dedup does with a signal, given what its atomic Redis step reported. */
export function decideSignalAction(outcome: Pick<EpisodeOutcome, 'kind'>): SignalDecision {
  return decisions[outcome.kind];
}

/**
 * Deterministic RemediationRequest name for one episode of one fingerprint: a retried create meets
 * AlreadyExists instead of making a second request. `episodeStart` is in unix seconds (the episode store
 * gives every episode of a fingerprint its own second). DNS-1123 subdomain, 42 chars.
 */
export function remediationRequestName(fingerprint: string, episodeStart: number): string {
  return `rr-${fingerprint}-${episodeStart.toString(36)}`;
}
