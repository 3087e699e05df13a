import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface DeadLetter {
  readonly functionName: string;
  readonly payload: unknown;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
}

export interface LambdaRuntimeOptions {
  /** Delays before the async retries; Lambda retries an async event twice (about 1 and 2 minutes). */
  readonly retryDelaysMs?: readonly number[];
  readonly timeoutMs?: number;
  readonly onLog?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Lambda's invoke semantics for locally registered handlers: RequestResponse runs and returns the result
 * or the function error; Event queues the payload and returns at once, then retries failures twice and
 * dead-letters what still fails, like an async invocation with an on-failure destination.
 */
export class LocalLambdaRuntime {
  readonly deadLetters: DeadLetter[] = [];
  private readonly handlers = new Map<string, { handler: LambdaHandler; timeoutMs: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;

  constructor(private readonly options: LambdaRuntimeOptions = {}) {
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

  /** Queues an async invocation; returns immediately, as Lambda's 202 does. */
  invokeAsync(functionName: string, payload: unknown): void {
    const run = this.runWithRetries(functionName, payload).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Waits until every queued async invocation has finished (succeeded or dead-lettered). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async runWithRetries(functionName: string, payload: unknown): Promise<void> {
    let attempt = 0;
    for (;;) {
      attempt += 1;
      try {
        await this.invoke(functionName, payload);
        return;
      } catch (error) {
        const message = (error as Error).message;
        const delay = this.retryDelaysMs[attempt - 1];
        if (delay === undefined) {
          this.deadLetters.push({ functionName, payload, error: message, attempts: attempt, failedAt: new Date().toISOString() });
          this.options.onLog?.('async invocation dead-lettered', { functionName, attempts: attempt, error: message });
          return;
        }
        this.options.onLog?.('async invocation failed, will retry', { functionName, attempt, delayMs: delay, error: message });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
