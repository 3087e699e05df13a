import { describe, expect, it } from '@jest/globals';
import { afterFailure, afterSuccess, beforeCall, closedBreaker } from '../../../lib/domain/circuit-breaker.js';
import { decideRetry, defaultRetryPolicy } from '../../../lib/domain/retry-policy.js';

describe('decideRetry', () => {
  const policy = defaultRetryPolicy;

  it('never retries a terminal answer', () => {
    expect(decideRetry(1, { retryable: false }, policy, () => 0.5)).toEqual({ retry: false, reason: 'terminal' });
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(decideRetry(1, { retryable: true }, policy, () => 0.999)).toEqual({ retry: true, delayMs: 99 });
    expect(decideRetry(3, { retryable: true }, policy, () => 0.999)).toEqual({ retry: true, delayMs: 399 });
    expect(decideRetry(3, { retryable: true }, policy, () => 0)).toEqual({ retry: true, delayMs: 0 });
    expect(decideRetry(3, { retryable: true }, { ...policy, maxDelayMs: 150 }, () => 0.999)).toEqual({ retry: true, delayMs: 149 });
  });

  it('waits at least the Retry-After, but does not wait out a long one in-process', () => {
    expect(decideRetry(1, { retryable: true, retryAfterMs: 2_000 }, policy, () => 0.5)).toEqual({ retry: true, delayMs: 2_000 });
    expect(decideRetry(1, { retryable: true, retryAfterMs: 30_000 }, policy, () => 0.5)).toEqual({ retry: false, reason: 'retry-after-too-long' });
    // The boundary (found by mutation testing): a Retry-After of exactly the maximum is waited out, one ms more is not.
    expect(decideRetry(1, { retryable: true, retryAfterMs: policy.maxRetryAfterMs }, policy, () => 0.5)).toEqual({ retry: true, delayMs: policy.maxRetryAfterMs });
    expect(decideRetry(1, { retryable: true, retryAfterMs: policy.maxRetryAfterMs + 1 }, policy, () => 0.5)).toEqual({ retry: false, reason: 'retry-after-too-long' });
  });

  it('stops after the last attempt, not before it', () => {
    expect(decideRetry(policy.maxAttempts, { retryable: true }, policy, () => 0.5)).toEqual({ retry: false, reason: 'attempts-exhausted' });
    expect(decideRetry(policy.maxAttempts - 1, { retryable: true }, policy, () => 0.5)).toMatchObject({ retry: true });
  });
});

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, cooldownMs: 1_000 };

  it('opens after consecutive failures, fails fast, then lets one probe through', () => {
    let state = closedBreaker;
    for (let failure = 0; failure < 3; failure += 1) state = afterFailure(state, 100, options);
    expect(state).toEqual({ kind: 'open', until: 1_100 });
    expect(beforeCall(state, 600)).toEqual({ allowed: false, state, retryAfterMs: 500 });
    const probe = beforeCall(state, 1_100);
    expect(probe).toEqual({ allowed: true, state: { kind: 'half-open' } });
    expect(afterFailure(probe.state, 1_200, options)).toEqual({ kind: 'open', until: 2_200 });
    expect(afterSuccess()).toEqual(closedBreaker);
  });

  it('forgets failures after a success', () => {
    const state = afterFailure(afterFailure(closedBreaker, 0, options), 0, options);
    expect(state).toEqual({ kind: 'closed', consecutiveFailures: 2 });
    expect(afterFailure(afterSuccess(), 0, options)).toEqual({ kind: 'closed', consecutiveFailures: 1 });
  });
});
