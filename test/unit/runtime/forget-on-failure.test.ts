import { describe, expect, it } from '@jest/globals';
import { forgetOnFailure } from '../../../lib/runtime/clients.js';

describe('forgetOnFailure', () => {
  it('lets the next caller make the client again after a failure, and keeps one that was made', async () => {
    let cached: Promise<string> | undefined;
    let attempts = 0;
    const client = () => {
      cached ??= forgetOnFailure(
        (async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('secret not readable yet');
          return `client ${attempts}`;
        })(),
        () => {
          cached = undefined;
        },
      );
      return cached;
    };
    await expect(client()).rejects.toThrow('secret not readable yet');
    await expect(client()).resolves.toBe('client 2');
    await expect(client()).resolves.toBe('client 2');
    expect(attempts).toBe(2);
  });
});
