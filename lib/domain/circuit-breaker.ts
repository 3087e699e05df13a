/**
 * A circuit breaker's state machine, pure with the clock passed in: after `failureThreshold` retryable
 * failures in a row it opens for `cooldownMs` (calls fail fast), then lets one probe through
 * (half-open): success closes it, failure opens it again.
 */
export interface BreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
}

export type BreakerState =
  | { readonly kind: 'closed'; readonly consecutiveFailures: number }
  | { readonly kind: 'open'; readonly until: number }
  | { readonly kind: 'half-open' };

export const closedBreaker: BreakerState = { kind: 'closed', consecutiveFailures: 0 };

export type BreakerVerdict = { readonly allowed: true; readonly state: BreakerState } | { readonly allowed: false; readonly state: BreakerState; readonly retryAfterMs: number };

export function beforeCall(state: BreakerState, now: number): BreakerVerdict {
  if (state.kind !== 'open') return { allowed: true, state };
  if (now >= state.until) return { allowed: true, state: { kind: 'half-open' } };
  return { allowed: false, state, retryAfterMs: state.until - now };
}

export function afterSuccess(): BreakerState {
  return closedBreaker;
}

export function afterFailure(state: BreakerState, now: number, options: BreakerOptions): BreakerState {
  if (state.kind === 'half-open') return { kind: 'open', until: now + options.cooldownMs };
  if (state.kind === 'open') return state;
  const consecutiveFailures = state.consecutiveFailures + 1;
  return consecutiveFailures >= options.failureThreshold ? { kind: 'open', until: now + options.cooldownMs } : { kind: 'closed', consecutiveFailures };
}
