import { setTimeout as sleep } from 'node:timers/promises';
import { afterFailure, afterSuccess, beforeCall, type BreakerOptions, type BreakerState, closedBreaker } from '../domain/circuit-breaker.js';
import { decideRetry, defaultRetryPolicy, type RetryPolicy } from '../domain/retry-policy.js';
import { KubeUnavailableError, KubeWriteError } from '../errors.js';
import { logger } from '../telemetry/logger.js';

export interface KubeGuardOptions {
  readonly retry?: RetryPolicy;
  readonly breaker?: BreakerOptions;
  /** Told when the breaker opens, so that other functions (ingest) can fail fast too. */
  readonly onOpen?: (untilMs: number) => Promise<void>;
  /**
   * Told when a call failed in a way that new credentials or a new kubeconfig could fix (401, 403, an
   * untrusted certificate, an unusable URL), so that the client is made again from its source.
   */
  readonly onConfigurationRejected?: () => void;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

/** 401/403, or a terminal failure without an answer (TLS trust, URL): the client's configuration, not the request, was refused. */
function rejectsConfiguration(error: KubeWriteError): boolean {
  return error.statusCode === 401 || error.statusCode === 403 || error.statusCode === undefined;
}

const defaultBreaker: BreakerOptions = { failureThreshold: 5, cooldownMs: 10_000 };

/**
 * Runs Kubernetes calls with retries (backoff, jitter, Retry-After; 429, 5xx, timeouts and connection
 * errors only) behind a circuit breaker shared by every call of the process. Terminal answers (400, 403,
 * 404, 422) are neither retried nor counted against the API server's health.
 */
export class KubeGuard {
  private state: BreakerState = closedBreaker;
  private readonly retry: RetryPolicy;
  private readonly breaker: BreakerOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (milliseconds: number) => Promise<void>;

  constructor(private readonly options: KubeGuardOptions = {}) {
    this.retry = options.retry ?? defaultRetryPolicy;
    this.breaker = options.breaker ?? defaultBreaker;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? (async (milliseconds) => void (await sleep(milliseconds)));
  }

  /** Forgets past failures (closes the circuit): between tests that share a process, never in a function. */
  reset(): void {
    this.state = closedBreaker;
  }

  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const verdict = beforeCall(this.state, this.now());
      this.state = verdict.state;
      if (!verdict.allowed) throw new KubeUnavailableError(verdict.retryAfterMs);
      try {
        const result = await call();
        this.state = afterSuccess();
        return result;
      } catch (error) {
        if (error instanceof KubeWriteError && !error.retryable && rejectsConfiguration(error)) this.options.onConfigurationRejected?.();
        if (!(error instanceof KubeWriteError) || !error.retryable) throw error;
        await this.recordFailure();
        const decision = decideRetry(attempt, error, this.retry, this.random);
        if (!decision.retry) throw error;
        logger.warn('kubernetes call failed, retrying', { operation, attempt, delayMs: decision.delayMs, status: error.statusCode, error: error.message });
        await this.sleep(decision.delayMs);
      }
    }
  }

  private async recordFailure(): Promise<void> {
    const wasOpen = this.state.kind === 'open';
    this.state = afterFailure(this.state, this.now(), this.breaker);
    if (this.state.kind === 'open' && !wasOpen) {
      logger.error('kubernetes circuit opened', { until: new Date(this.state.until).toISOString() });
      await this.options.onOpen?.(this.state.until).catch((error: unknown) => logger.warn('could not publish the open circuit', { error: String(error) }));
    }
  }
}
