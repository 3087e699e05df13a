/**
 * What the episode store reported for one signal, after its atomic step in Redis:
 * - opened: first firing of a new episode; this invocation reserved it.
 * - pending: the episode was reserved earlier but its RemediationRequest was never confirmed
 *   (a crashed or concurrent invocation); creating it again is safe because the name is deterministic.
 * - repeated: the episode is open and its request exists; the occurrence was counted.
 * - closed: a resolved alert ended an open episode.
 * - unmatched: a resolved alert with no open episode (already resolved, or never seen).
 */
export type EpisodeOutcome =
  | { kind: 'opened'; episodeStartMs: number }
  | { kind: 'pending'; episodeStartMs: number; occurrenceCount: number }
  | { kind: 'repeated'; episodeStartMs: number; occurrenceCount: number }
  | { kind: 'closed'; episodeStartMs: number; occurrenceCount: number }
  | { kind: 'unmatched' };

export type SignalAction = 'create-request' | 'count-duplicate' | 'mark-resolved' | 'ignore';

export type DecisionReason =
  | 'new-episode'
  | 'completing-reserved-episode'
  | 'duplicate-of-open-episode'
  | 'resolved-open-episode'
  | 'resolved-without-open-episode';

export interface SignalDecision {
  readonly action: SignalAction;
  readonly reason: DecisionReason;
}

/** Pure: what dedup does with a signal, given what its atomic Redis step reported. */
export function decideSignalAction(outcome: EpisodeOutcome): SignalDecision {
  switch (outcome.kind) {
    case 'opened':
      return { action: 'create-request', reason: 'new-episode' };
    case 'pending':
      return { action: 'create-request', reason: 'completing-reserved-episode' };
    case 'repeated':
      return { action: 'count-duplicate', reason: 'duplicate-of-open-episode' };
    case 'closed':
      return { action: 'mark-resolved', reason: 'resolved-open-episode' };
    case 'unmatched':
      return { action: 'ignore', reason: 'resolved-without-open-episode' };
  }
}

/**
 * Deterministic RemediationRequest name for one episode of one fingerprint: a retried create meets
 * AlreadyExists instead of making a second request. DNS-1123 subdomain, 47 chars.
 */
export function remediationRequestName(fingerprint: string, episodeStartMs: number): string {
  return `rr-${fingerprint}-${episodeStartMs.toString(36)}`;
}
