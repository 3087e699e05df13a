import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AsyncInvocationStore, type DeadLetter, functionNameOf } from './async-invocation-store.js';

export interface RedriveOutcome {
  readonly redriven: { readonly requestId: string; readonly functionName: string; readonly newRequestId: string | undefined }[];
  readonly failed: { readonly requestId: string; readonly functionName: string; readonly error: string }[];
  /** Request ids asked for that are not dead letters. */
  readonly unknown: string[];
  /** Dead-letter files that did not parse, set aside (`unreadable/`) and not redriven. */
  readonly unreadable: string[];
}

/** An async (`Event`) invoke of the local runtime's Lambda endpoint with the real SDK, as ingest hands off. */
export function lambdaEventSender(endpoint: string): (functionName: string, payload: unknown) => Promise<string | undefined> {
  const lambda = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
  return async (functionName, payload) => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
    if (response.StatusCode !== 202) throw new Error(`the invoke answered ${String(response.StatusCode)}, expected 202`);
    return response.$metadata.requestId;
  };
}

/**
 * Sends dead letters back to their function as new async invocations (the payload as first sent), and
 * forgets each once its invoke was accepted: a failed send leaves it in place, so a redrive can be run
 * again. The functions are idempotent per batch (the batch marker), so a redrive of an event that did
 * partly succeed repeats nothing that it did.
 */
export async function redriveDeadLetters(
  store: AsyncInvocationStore,
  requestIds: readonly string[] | 'all',
  send: (functionName: string, payload: unknown) => Promise<string | undefined>,
): Promise<RedriveOutcome> {
  const { deadLetters, unreadable } = await store.deadLetters();
  const wanted = requestIds === 'all' ? deadLetters : deadLetters.filter((deadLetter) => requestIds.includes(deadLetter.requestContext.requestId));
  const outcome: { redriven: RedriveOutcome['redriven'][number][]; failed: RedriveOutcome['failed'][number][] } = { redriven: [], failed: [] };
  for (const deadLetter of wanted) {
    const { requestId } = deadLetter.requestContext;
    const functionName = functionNameOf(deadLetter);
    try {
      const newRequestId = await send(functionName, deadLetter.requestPayload);
      await store.removeDeadLetter(requestId);
      outcome.redriven.push({ requestId, functionName, newRequestId });
    } catch (error) {
      outcome.failed.push({ requestId, functionName, error: (error as Error).message });
    }
  }
  const known = new Set(deadLetters.map((deadLetter: DeadLetter) => deadLetter.requestContext.requestId));
  return { ...outcome, unknown: requestIds === 'all' ? [] : requestIds.filter((id) => !known.has(id)), unreadable };
}
