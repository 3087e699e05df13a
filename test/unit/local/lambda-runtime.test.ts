import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AsyncInvocationStore } from '../../../local/async-invocation-store.js';
import { LocalLambdaRuntime } from '../../../local/lambda-runtime.js';
import { redriveDeadLetters } from '../../../local/redrive.js';

const newDirectory = () => mkdtempSync(join(tmpdir(), 'sg-lambda-'));
const runtimeOn = async (directory: string, retryDelaysMs: readonly number[] = [1, 1]) =>
  new LocalLambdaRuntime({ store: await AsyncInvocationStore.open(directory), retryDelaysMs });
/** A promise and its resolver, for a handler that runs until the test lets it go. */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};

describe('LocalLambdaRuntime: async invocations', () => {
  it('retries a failing invocation twice, then dead-letters it as an on-failure destination record', async () => {
    const runtime = await runtimeOn(newDirectory());
    let attempts = 0;
    runtime.register('flaky', async () => {
      attempts += 1;
      throw new TypeError(`failure ${attempts}`);
    });
    const requestId = await runtime.invokeAsync('flaky', { n: 1 });
    await runtime.drain();
    expect(attempts).toBe(3);
    expect(await runtime.deadLetters()).toEqual([
      {
        version: '1.0',
        timestamp: expect.any(String),
        requestContext: { requestId, functionArn: 'arn:aws:lambda:local:000000000000:function:flaky', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
        requestPayload: { n: 1 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'TypeError', errorMessage: 'failure 3' },
      },
    ]);
    expect((await runtime.store.queued()).invocations).toEqual([]);
  });

  it('stops retrying once an attempt succeeds, and forgets the invocation', async () => {
    const runtime = await runtimeOn(newDirectory());
    let attempts = 0;
    runtime.register('recovers', async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('transient');
      return 'ok';
    });
    await runtime.invokeAsync('recovers', {});
    await runtime.drain();
    expect(attempts).toBe(2);
    expect(await runtime.deadLetters()).toEqual([]);
    expect((await runtime.store.queued()).invocations).toEqual([]);
  });

  it('has the invocation on disk, with its attempt counted, before the invoke is acknowledged and while it runs', async () => {
    const directory = newDirectory();
    const runtime = await runtimeOn(directory);
    const running = gate();
    runtime.register('slow', () => running.opened);
    const requestId = await runtime.invokeAsync('slow', { alerts: ['a'] });
    const { invocations } = await (await AsyncInvocationStore.open(directory)).queued();
    expect(invocations).toEqual([{ id: requestId, functionName: 'slow', payload: { alerts: ['a'] }, attempts: 1, queuedAt: expect.any(String) }]);
    running.open();
    await runtime.drain();
    expect((await runtime.store.queued()).invocations).toEqual([]);
  });

  it('runs again, in a new process, an invocation whose process died during its attempt', async () => {
    const directory = newDirectory();
    const crashed = await runtimeOn(directory);
    // The first process never finishes its attempt (it is killed: nothing after that runs).
    crashed.register('dedup', () => new Promise(() => undefined));
    await crashed.invokeAsync('dedup', { batch: 7 });

    const restarted = await runtimeOn(directory);
    const seen: unknown[] = [];
    restarted.register('dedup', async (event) => {
      seen.push(event);
    });
    expect(await restarted.resumeQueued()).toBe(1);
    await restarted.drain();
    expect(seen).toEqual([{ batch: 7 }]);
    expect((await restarted.store.queued()).invocations).toEqual([]);
    expect(await restarted.deadLetters()).toEqual([]);
  });

  it('counts the interrupted attempt: one cut short on the last attempt is dead-lettered, not run a fourth time', async () => {
    const directory = newDirectory();
    const crashed = await runtimeOn(directory);
    let attempts = 0;
    crashed.register('dedup', async () => {
      attempts += 1;
      // Attempts 1 and 2 fail; the third never ends (the process is killed during it).
      if (attempts < 3) throw new Error('Redis is down');
      return new Promise(() => undefined);
    });
    const requestId = await crashed.invokeAsync('dedup', { batch: 8 });
    while (attempts < 3) await new Promise((resolve) => setTimeout(resolve, 5));

    const restarted = await runtimeOn(directory);
    let ranAgain = false;
    restarted.register('dedup', async () => {
      ranAgain = true;
    });
    await restarted.resumeQueued();
    await restarted.drain();
    expect(ranAgain).toBe(false);
    expect(await restarted.deadLetters()).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ requestId, approximateInvokeCount: 3 }),
        requestPayload: { batch: 8 },
        responsePayload: { errorType: 'Runtime.Interrupted', errorMessage: 'the local runtime stopped during this attempt' },
      }),
    ]);
  });

  it('leaves an invocation that waits for its retry queued when it closes; the next start runs it', async () => {
    const directory = newDirectory();
    const first = await runtimeOn(directory, [3_600_000, 3_600_000]);
    first.register('dedup', async () => {
      throw new Error('Kubernetes is down');
    });
    await first.invokeAsync('dedup', { batch: 9 });
    while ((await first.store.queued()).invocations[0]?.attempts !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // close() does not wait the hour: the retry is left on disk.
    await first.close();
    expect((await first.store.queued()).invocations).toEqual([expect.objectContaining({ payload: { batch: 9 }, attempts: 1 })]);
    await expect(first.invokeAsync('dedup', {})).rejects.toThrow('the local runtime is stopping');

    const second = await runtimeOn(directory);
    let ran = 0;
    second.register('dedup', async () => {
      ran += 1;
    });
    await second.resumeQueued();
    await second.drain();
    expect(ran).toBe(1);
    expect((await second.store.queued()).invocations).toEqual([]);
  });

  it('closes without waiting out a retry when the running attempt fails after close() was called', async () => {
    const runtime = await runtimeOn(newDirectory(), [3_600_000, 3_600_000]);
    const failing = gate();
    runtime.register('dedup', async () => {
      await failing.opened;
      throw new Error('Kubernetes is down');
    });
    await runtime.invokeAsync('dedup', { batch: 10 });
    const closed = runtime.close();
    failing.open();
    // Resolves once the attempt ended, not after the hour: the retry stays queued for the next start.
    await closed;
    expect((await runtime.store.queued()).invocations).toEqual([expect.objectContaining({ payload: { batch: 10 }, attempts: 1 })]);
  });

  it('never starts an invocation twice when the queue is read while it runs', async () => {
    const runtime = await runtimeOn(newDirectory());
    const running = gate();
    let calls = 0;
    runtime.register('dedup', async () => {
      calls += 1;
      await running.opened;
    });
    await runtime.invokeAsync('dedup', { batch: 11 });
    expect(await runtime.resumeQueued()).toBe(0);
    running.open();
    await runtime.drain();
    expect(calls).toBe(1);
  });

  it('removes temporary files a killed process left, and keeps the first dead letter of an invocation', async () => {
    const directory = newDirectory();
    const store = await AsyncInvocationStore.open(directory);
    writeFileSync(join(directory, 'queued', '.abc.123.tmp'), '{"half":');
    const invocation = { ...(await store.enqueue('dedup', { batch: 12 })), attempts: 3 };
    const first = await store.deadLetter(invocation, { name: 'KubeUnavailableError', message: 'the API server is down' });
    // The process stopped before the queued file went: the next start finds it and dead-letters it again.
    await store.recordAttempt(invocation);
    const reopened = await AsyncInvocationStore.open(directory);
    expect(readdirSync(join(directory, 'queued')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await reopened.deadLetter(invocation, { name: 'Runtime.Interrupted', message: 'the local runtime stopped during this attempt' });
    expect((await reopened.deadLetters()).deadLetters).toEqual([first]);
    expect((await reopened.queued()).invocations).toEqual([]);
  });

  it('sets a queued file that does not parse aside, names it, and runs the others', async () => {
    const directory = newDirectory();
    const runtime = await runtimeOn(directory);
    const seen: unknown[] = [];
    runtime.register('dedup', async (event) => {
      seen.push(event);
    });
    writeFileSync(join(directory, 'queued', 'torn.json'), '{"id":"torn","functionName":"dedup","pay');
    writeFileSync(join(directory, 'queued', 'whole.json'), JSON.stringify({ id: 'whole', functionName: 'dedup', payload: { ok: true }, attempts: 0, queuedAt: '2026-12-01T00:00:00Z' }));
    const logged: Record<string, unknown>[] = [];
    const logging = new LocalLambdaRuntime({ store: runtime.store, retryDelaysMs: [1, 1], onLog: (message, fields) => logged.push({ message, ...fields }) });
    logging.register('dedup', async (event) => {
      seen.push(event);
    });
    expect(await logging.resumeQueued()).toBe(1);
    await logging.drain();
    expect(seen).toEqual([{ ok: true }]);
    expect(readdirSync(join(directory, 'unreadable'))).toEqual([expect.stringMatching(/-torn\.json$/)]);
    expect(logged).toContainEqual(expect.objectContaining({ message: 'queued async invocations that do not parse were set aside', files: [expect.stringMatching(/torn\.json$/)] }));
  });

  it('passes a context with a deadline', async () => {
    const runtime = new LocalLambdaRuntime({ store: await AsyncInvocationStore.open(newDirectory()), timeoutMs: 10_000 });
    runtime.register('ctx', async (_event, context) => context.getRemainingTimeInMillis());
    const remaining = (await runtime.invoke('ctx', {})) as number;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(10_000);
  });
});

describe('redriveDeadLetters', () => {
  const deadLettersOf = async (names: string[]) => {
    const runtime = await runtimeOn(newDirectory(), []);
    runtime.register('dedup', async () => {
      throw new Error('down');
    });
    const ids: string[] = [];
    for (const name of names) ids.push(await runtime.invokeAsync('dedup', { name }));
    await runtime.drain();
    return { store: runtime.store, ids };
  };

  it('sends each payload back to its function and forgets only those whose invoke was accepted', async () => {
    const { store, ids } = await deadLettersOf(['a', 'b', 'c']);
    const sent: unknown[] = [];
    const outcome = await redriveDeadLetters(store, 'all', async (functionName, payload) => {
      if ((payload as { name: string }).name === 'b') throw new Error('TooManyRequestsException');
      sent.push({ functionName, payload });
      return `new-${(payload as { name: string }).name}`;
    });
    expect(sent).toEqual(expect.arrayContaining([{ functionName: 'dedup', payload: { name: 'a' } }, { functionName: 'dedup', payload: { name: 'c' } }]));
    expect(sent).toHaveLength(2);
    expect(outcome.failed).toEqual([{ requestId: ids[1], functionName: 'dedup', error: 'TooManyRequestsException' }]);
    expect((await store.deadLetters()).deadLetters.map((deadLetter) => deadLetter.requestPayload)).toEqual([{ name: 'b' }]);
  });

  it('redrives only the request ids asked for, and names the ones that are not dead letters', async () => {
    const { store, ids } = await deadLettersOf(['a', 'b']);
    const sent: unknown[] = [];
    const outcome = await redriveDeadLetters(store, [ids[0] as string, 'no-such-id'], async (_functionName, payload) => {
      sent.push(payload);
      return undefined;
    });
    expect(sent).toEqual([{ name: 'a' }]);
    expect(outcome.unknown).toEqual(['no-such-id']);
    expect((await store.deadLetters()).deadLetters.map((deadLetter) => deadLetter.requestContext.requestId)).toEqual([ids[1]]);
  });
});
