import { describe, expect, it } from '@jest/globals';
import { KubeGuard } from '../../../lib/kube/kube-guard.js';
import { KubeUnavailableError, KubeWriteError } from '../../../lib/errors.js';

const now = 1_000_000;
const guard = () =>
  new KubeGuard({
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 },
    breaker: { failureThreshold: 2, cooldownMs: 60_000 },
    now: () => now,
    sleep: async () => undefined,
  });
const failing = async (): Promise<never> => {
  throw new KubeWriteError('kubernetes create failed: HTTP 503', 503, true);
};

describe('KubeGuard circuit', () => {
  it('stays closed below the failure threshold and opens at it, refusing calls without making them', async () => {
    const subject = guard();
    await expect(subject.run('create a', failing)).rejects.toBeInstanceOf(KubeWriteError);
    await expect(subject.run('create b', async () => 'made')).resolves.toBe('made'); // one failure, then success: closed
    await expect(subject.run('create c', failing)).rejects.toBeInstanceOf(KubeWriteError);
    await expect(subject.run('create d', failing)).rejects.toBeInstanceOf(KubeWriteError); // second in a row: opens
    let called = false;
    await expect(
      subject.run('create e', async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(KubeUnavailableError);
    expect(called).toBe(false);
  });

  it('reset() closes an open circuit: the next call is made', async () => {
    const subject = guard();
    for (const name of ['a', 'b']) await expect(subject.run(`create ${name}`, failing)).rejects.toBeInstanceOf(KubeWriteError);
    await expect(subject.run('create c', async () => 'made')).rejects.toBeInstanceOf(KubeUnavailableError);
    subject.reset();
    await expect(subject.run('create c', async () => 'made')).resolves.toBe('made');
  });

  it('does not count terminal answers against the API server', async () => {
    const subject = guard();
    const forbidden = async (): Promise<never> => {
      throw new KubeWriteError('kubernetes create failed: forbidden', 403, false);
    };
    for (const name of ['a', 'b', 'c']) await expect(subject.run(`create ${name}`, forbidden)).rejects.toMatchObject({ statusCode: 403 });
    await expect(subject.run('create d', async () => 'made')).resolves.toBe('made');
  });

  it.each([
    ['401 (credentials refused)', true, 401, false],
    ['403 (RBAC)', true, 403, false],
    ['a terminal failure without an answer (untrusted certificate)', true, undefined, false],
    ['404 (a missing CRD: not the client’s configuration)', false, 404, false],
    ['422 (an invalid object)', false, 422, false],
    ['503 (transient)', false, 503, true],
    ['a dropped connection (transient)', false, undefined, true],
  ])('after %s, asks its owner for a new client: %s', async (_, told, status, retryable) => {
    let rejections = 0;
    const subject = new KubeGuard({
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 },
      now: () => now,
      sleep: async () => undefined,
      onConfigurationRejected: () => {
        rejections += 1;
      },
    });
    await expect(
      subject.run('create a', async () => {
        throw new KubeWriteError('kubernetes create failed', status, retryable);
      }),
    ).rejects.toBeInstanceOf(KubeWriteError);
    expect(rejections).toBe(told ? 1 : 0);
  });
});

describe('KubeGuard telling its owner that the circuit opened', () => {
  const opening = (onOpen: (until: number) => Promise<void>) =>
    new KubeGuard({
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 },
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
      now: () => now,
      sleep: async () => undefined,
      onOpen,
    });

  it('publishes the open circuit when the failure that opens it happens', async () => {
    const published: number[] = [];
    const subject = opening(async (until) => {
      published.push(until);
    });
    await expect(subject.run('create a', failing)).rejects.toBeInstanceOf(KubeWriteError);
    expect(published).toEqual([now + 60_000]);
  });

  it('publishes the open circuit once, with its end, even when calls in flight fail after it opened', async () => {
    const published: number[] = [];
    const subject = opening(async (until) => {
      published.push(until);
    });
    // Both calls are made before either fails: the second failure meets a circuit that is already open.
    let fail: () => void = () => undefined;
    const failed = new Promise<void>((resolve) => (fail = resolve));
    const inFlight = async (): Promise<never> => {
      await failed;
      throw new KubeWriteError('kubernetes create failed: HTTP 503', 503, true);
    };
    const calls = [subject.run('create a', inFlight), subject.run('create b', inFlight)];
    fail();
    await Promise.all(calls.map((call) => expect(call).rejects.toBeInstanceOf(KubeWriteError)));
    expect(published).toEqual([now + 60_000]);
  });

  it('answers with the failure of the call when publishing the open circuit fails', async () => {
    const subject = opening(async () => {
      throw new Error('redis unavailable');
    });
    await expect(subject.run('create a', failing)).rejects.toMatchObject({ name: 'KubeWriteError', statusCode: 503 });
    await expect(subject.run('create b', async () => 'made')).rejects.toBeInstanceOf(KubeUnavailableError);
  });
});
