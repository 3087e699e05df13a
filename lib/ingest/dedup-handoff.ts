import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DedupBatch } from '../dedup/dedup-batch.js';
import { HandoffError } from '../errors.js';
import { splitBatch } from './split-batch.js';

export interface BatchHandoff {
  send(batch: DedupBatch): Promise<void>;
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

  async send(batch: DedupBatch): Promise<void> {
    const [lambda, { InvokeCommand }] = await Promise.all([this.lambda(), import('@aws-sdk/client-lambda')]);
    for (const payload of splitBatch(batch)) {
      let statusCode: number | undefined;
      try {
        const response = await lambda.send(
          new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: Buffer.from(payload) }),
        );
        statusCode = response.StatusCode;
      } catch (error) {
        throw new HandoffError(`async invoke of ${this.functionName} failed: ${(error as Error).message}`, { cause: error });
      }
      if (statusCode !== 202) {
        throw new HandoffError(`async invoke of ${this.functionName} answered ${String(statusCode)}, expected 202`);
      }
    }
  }
}
