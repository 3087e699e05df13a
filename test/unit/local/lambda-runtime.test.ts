import { describe, expect, it } from '@jest/globals';
import { LocalLambdaRuntime } from '../../../local/lambda-runtime.js';

describe('LocalLambdaRuntime', () => {
  it('retries a failing async invocation twice, then dead-letters it', async () => {
    const runtime = new LocalLambdaRuntime({ retryDelaysMs: [1, 1] });
    let attempts = 0;
    runtime.register('flaky', async () => {
      attempts += 1;
      throw new Error(`failure ${attempts}`);
    });
    runtime.invokeAsync('flaky', { n: 1 });
    await runtime.drain();
    expect(attempts).toBe(3);
    expect(runtime.deadLetters).toEqual([expect.objectContaining({ functionName: 'flaky', payload: { n: 1 }, error: 'failure 3', attempts: 3 })]);
  });

  it('stops retrying once an attempt succeeds', async () => {
    const runtime = new LocalLambdaRuntime({ retryDelaysMs: [1, 1] });
    let attempts = 0;
    runtime.register('recovers', async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('transient');
      return 'ok';
    });
    runtime.invokeAsync('recovers', {});
    await runtime.drain();
    expect(attempts).toBe(2);
    expect(runtime.deadLetters).toEqual([]);
  });

  it('passes a context with a deadline', async () => {
    const runtime = new LocalLambdaRuntime({ timeoutMs: 10_000 });
    runtime.register('ctx', async (_event, context) => context.getRemainingTimeInMillis());
    const remaining = (await runtime.invoke('ctx', {})) as number;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(10_000);
  });
});
