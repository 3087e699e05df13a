import type { Context } from 'aws-lambda';
import type { AsyncInvocationStore, QueuedInvocation } from './async-invocation-store.js';
import { lambdaContext } from './lambda-context.js';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaRuntimeOptions {
  /** Where queued async invocations and dead letters are kept (they outlive the process). */
  readonly store: AsyncInvocationStore;
  /** Delays before the async retries; Lambda retries an async event twice (about 1 and 2 minutes). */
  readonly retryDelaysMs?: readonly number[];
  readonly timeoutMs?: number;
  readonly onLog?: (message: string, fields: Record<string, unknown>) => void;
}

/** The error of an attempt that a stopped process never finished (Lambda's equivalent: the sandbox died). */
const interrupted = { name: 'Runtime.Interrupted', message: 'the local runtime stopped during this attempt' };

/**
 * Lambda's invoke semantics for locally registered handlers: RequestResponse runs and returns the result
 * or the function error; Event stores the payload, returns at once, then retries failures twice and
 * dead-letters what still fails, like an async invocation with an on-failure destination. Queued
 * invocations survive the process: `resumeQueued` runs what a stopped or killed process left (an attempt
 * it interrupted counts as one), so an async invocation that got a 202 is never lost.
 */
export class LocalLambdaRuntime {
  private readonly handlers = new Map<string, { handler: LambdaHandler; timeoutMs: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  /** Queued invocations and dead letters (on disk). */
  readonly store: AsyncInvocationStore;
  private readonly waits = new Set<() => void>();
  /** Ids of the invocations this process runs (or waits to retry). */
  private readonly running = new Set<string>();
  private closing = false;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.store = options.store;
    // Lambda retries a failed async event after about one and then two more minutes.
    this.retryDelaysMs = options.retryDelaysMs ?? [60_000, 120_000];
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `timeoutMs`: the function's own timeout (its context's deadline), else the runtime's. */
  register(functionName: string, handler: LambdaHandler, timeoutMs = this.timeoutMs): void {
    this.handlers.set(functionName, { handler, timeoutMs });
  }

  has(functionName: string): boolean {
    return this.handlers.has(functionName);
  }

  async invoke(functionName: string, payload: unknown): Promise<unknown> {
    const registered = this.handlers.get(functionName);
    if (!registered) throw new Error(`Function not found: ${functionName}`);
    return registered.handler(payload, lambdaContext(functionName, registered.timeoutMs));
  }

  /** Queues an async invocation once it is stored, as Lambda's 202 does; resolves with its request id. */
  async invokeAsync(functionName: string, payload: unknown): Promise<string> {
    if (this.closing) throw new Error('the local runtime is stopping');
    const invocation = await this.store.enqueue(functionName, payload);
    this.track(this.runAttempts(invocation, true));
    return invocation.id;
  }

  /**
   * Runs the invocations a previous process left queued (at once: their retry delay passed while it was
   * down). Call it before taking new invocations; one that runs already is never started twice.
   */
  async resumeQueued(): Promise<number> {
    const { invocations: listed, unreadable } = await this.store.queued();
    if (unreadable.length > 0) this.options.onLog?.('queued async invocations that do not parse were set aside', { files: unreadable });
    const invocations = listed.filter((invocation) => !this.running.has(invocation.id));
    for (const invocation of invocations) this.track(this.runAttempts(invocation));
    if (invocations.length > 0) this.options.onLog?.('resuming queued async invocations', { count: invocations.length });
    return invocations.length;
  }

  /** Dead letters as Lambda's on-failure destination would hold them. */
  async deadLetters() {
    return (await this.store.deadLetters()).deadLetters;
  }

  /** Waits until every queued async invocation has finished (succeeded or dead-lettered). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops taking async invocations, lets running attempts finish and leaves the ones waiting for a retry
   * queued on disk: the next start resumes them.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.waits) wake();
    await this.drain();
  }

  private track(run: Promise<void>): void {
    const tracked = run
      .catch((error: unknown) => this.options.onLog?.('async invocation bookkeeping failed; it stays queued', { error: (error as Error).message }))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** `firstAttemptCounted`: the stored record already counts the attempt about to run (a new invocation). */
  private async runAttempts(queued: QueuedInvocation, firstAttemptCounted = false): Promise<void> {
    this.running.add(queued.id);
    try {
      await this.attemptUntilDone(queued, firstAttemptCounted);
    } finally {
      this.running.delete(queued.id);
    }
  }

  private async attemptUntilDone(queued: QueuedInvocation, firstAttemptCounted: boolean): Promise<void> {
    let invocation = queued;
    let counted = firstAttemptCounted;
    const maxAttempts = this.retryDelaysMs.length + 1;
    if (!counted && invocation.attempts >= maxAttempts) {
      // Its last attempt was cut short by the process stopping: as Lambda does with a crashed last attempt.
      await this.toDeadLetters(invocation, interrupted);
      return;
    }
    for (;;) {
      if (this.closing) return;
      if (counted) {
        counted = false;
      } else {
        invocation = { ...invocation, attempts: invocation.attempts + 1 };
        await this.store.recordAttempt(invocation);
      }
      try {
        await this.invoke(invocation.functionName, invocation.payload);
        await this.store.complete(invocation.id);
        return;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const delay = this.retryDelaysMs[invocation.attempts - 1];
        if (delay === undefined) {
          await this.toDeadLetters(invocation, failure);
          return;
        }
        this.options.onLog?.('async invocation failed, will retry', {
          functionName: invocation.functionName,
          requestId: invocation.id,
          attempt: invocation.attempts,
          delayMs: delay,
          error: failure.message,
        });
        await this.wait(delay);
      }
    }
  }

  private async toDeadLetters(invocation: QueuedInvocation, error: { name: string; message: string }): Promise<void> {
    await this.store.deadLetter(invocation, error);
    this.options.onLog?.('async invocation dead-lettered', {
      functionName: invocation.functionName,
      requestId: invocation.id,
      attempts: invocation.attempts,
      error: error.message,
      redrive: 'npm run dead-letters -- redrive',
    });
  }

  /** Sleeps `ms`, or less when the runtime closes (not at all once it is closing). */
  private wait(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waits.add(wake);
    });
  }
}
