import { episodeStartOfRequestName } from './request-name.js';

/** The remediation controller's phases (status.phase; the CRD's contract). */
export const remediationPhases = ['Pending', 'Running', 'Completed', 'Failed', 'ManualReviewRequired'] as const;
export type RemediationPhase = (typeof remediationPhases)[number];

/** A human clears a manual review by changing status.phase, or by setting this label to "true". */
export const reviewClearedLabel = 'stormgate.dev/review-cleared';

/** An earlier request of the same target, as listed: what the remediation controller made of it. */
export interface EarlierRequest {
  readonly name: string;
  readonly phase?: RemediationPhase;
  /** status.completedAt, unix seconds. */
  readonly completedAt?: number;
  readonly reviewCleared?: boolean;
}

export interface GateInput {
  readonly now: number;
  /** When the episode's first alert started firing (unix seconds). */
  readonly episodeStart: number;
  readonly minFiringSeconds: number;
  /** How late a resolve may reach stormgate (Alertmanager's group_interval): the sweep waits that much longer. */
  readonly resolveGraceSeconds: number;
  readonly cooldownSeconds: number;
  /** The target's other requests (never the episode's own). */
  readonly earlier: readonly EarlierRequest[];
}

/** While a review blocks, the sweep looks again this often (a cleared review lets the episode through). */
export const reviewRecheckSeconds = 300;

/**
 * create: make the episode's request (linking the target's latest earlier one). Otherwise it is withheld,
 * with the time the sweep looks again:
 * - deferred: it has fired less than MIN_FIRING_SECONDS (a resolve before then makes it `flapped`). A
 *   notification that shows it firing after that makes its request; without one, the sweep does, once a
 *   resolve would have arrived (FLAP_RESOLVE_GRACE_SECONDS later);
 * - recurrence: the target's last remediation Completed less than REMEDIATION_COOLDOWN_SECONDS ago: the
 *   episode is counted on that request;
 * - review-blocked: a request of the target waits for a manual review.
 */
export type GateDecision =
  | { readonly kind: 'create'; readonly previous?: string }
  | { readonly kind: 'deferred'; readonly until: number }
  | { readonly kind: 'recurrence'; readonly request: string; readonly until: number }
  | { readonly kind: 'review-blocked'; readonly request: string; readonly until: number };

/**
 * Pure: whether a new episode of a target gets its request now, after what the remediation controller
 * made of the target's earlier requests (docs/LIFECYCLE.md, "Remediation-aware decisions").
 */
export function decideRemediationGate(input: GateInput): GateDecision {
  const { now, episodeStart, minFiringSeconds, resolveGraceSeconds, cooldownSeconds, earlier } = input;
  if (now - episodeStart < minFiringSeconds) return { kind: 'deferred', until: episodeStart + minFiringSeconds + resolveGraceSeconds };
  const inReview = earlier.find((request) => request.phase === 'ManualReviewRequired' && !request.reviewCleared);
  if (inReview) return { kind: 'review-blocked', request: inReview.name, until: now + reviewRecheckSeconds };
  const lastCompleted = latest(earlier.filter((request) => request.phase === 'Completed' && request.completedAt !== undefined), (request) => request.completedAt ?? 0);
  if (cooldownSeconds > 0 && lastCompleted?.completedAt !== undefined && now - lastCompleted.completedAt < cooldownSeconds) {
    return { kind: 'recurrence', request: lastCompleted.name, until: lastCompleted.completedAt + cooldownSeconds };
  }
  const previous = latest(earlier, (request) => episodeStartOfRequestName(request.name) ?? 0);
  return previous ? { kind: 'create', previous: previous.name } : { kind: 'create' };
}

function latest<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  return items.reduce<T | undefined>((best, item) => (best === undefined || key(item) > key(best) ? item : best), undefined);
}

/** The due-index member of a withheld episode's next look. Tenants are [a-z0-9-], fingerprints hex. */
export function withheldRecheckMember(tenant: string, fingerprint: string): string {
  return `w|${tenant}|${fingerprint}`;
}

export function parseWithheldRecheckMember(member: string): { tenant: string; fingerprint: string } | undefined {
  const match = /^w\|([a-z0-9][a-z0-9-]{0,31})\|([0-9a-f]{32})$/.exec(member);
  return match?.[1] && match[2] ? { tenant: match[1], fingerprint: match[2] } : undefined;
}
