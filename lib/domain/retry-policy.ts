/**
 * When to try a failed Kubernetes call again, and after how long: exponential backoff with full jitter,
 * never sooner than the server's Retry-After. Pure; the random source is injected.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited out in-process; the invocation fails and is retried. */
  readonly maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryAfterMs: 5_000 };

export interface CallFailure {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'terminal' | 'attempts-exhausted' | 'retry-after-too-long' };

export function decideRetry(attempt: number, failure: CallFailure, policy: RetryPolicy, random: () => number): RetryDecision {
  if (!failure.retryable) return { retry: false, reason: 'terminal' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts-exhausted' };
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) return { retry: false, reason: 'retry-after-too-long' };
  const backoff = Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
  return { retry: true, delayMs: Math.max(backoff, failure.retryAfterMs ?? 0) };
}
