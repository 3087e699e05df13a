import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DedupBatch } from '../dedup/dedup-batch.js';
import { HandoffError } from '../errors.js';
import { splitBatch } from './split-batch.js';

export interface BatchHandoff {
  /** `deadline`: when it aborts, the hand-off gives up (the caller answers 503 while it still can). */
  send(batch: DedupBatch, deadline?: AbortSignal): Promise<void>;
}

/** Rejects when `deadline` aborts, whatever `work` is doing then (an SDK retry may not look at the signal between attempts). */
function before<T>(work: Promise<T>, deadline: AbortSignal | undefined): Promise<T> {
  if (!deadline) return work;
  return new Promise<T>((resolve, reject) => {
    const expire = () => reject(new HandoffError('hand-off to dedup did not finish before the function had to answer'));
    if (deadline.aborted) expire();
    deadline.addEventListener('abort', expire, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expire));
  });
}

/**
 * Hands a batch to the dedup function with an async (`Event`) invoke; resolves only once Lambda queued it.
 * `lambda` is asked for on the first hand-off, so that a cold start loads no SDK.
 */
export class LambdaDedupHandoff implements BatchHandoff {
  constructor(
    private readonly lambda: () => Promise<LambdaClient>,
    private readonly functionName: string,
  ) {}

  async send(batch: DedupBatch, deadline?: AbortSignal): Promise<void> {
    const [lambda, { InvokeCommand }] = await before(Promise.all([this.lambda(), import('@aws-sdk/client-lambda')]), deadline);
    for (const payload of splitBatch(batch)) {
      let statusCode: number | undefined;
      try {
        const command = new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(payload) });
        const response = await before(lambda.send(command, deadline && { abortSignal: deadline }), deadline);
        statusCode = response.StatusCode;
      } catch (error) {
        if (error instanceof HandoffError) throw error;
        throw new HandoffError(`async invoke of ${this.functionName} failed: ${(error as Error).message}`, { cause: error });
      }
      if (statusCode !== 202) {
        throw new HandoffError(`async invoke of ${this.functionName} answered ${String(statusCode)}, expected 202`);
      }
    }
  }
}
