import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

/**
 * Why the stack's default Redis is a node-based group with `maxmemory-policy noeviction` (README,
 * "Redis"): a full cache refuses writes, stormgate answers 503, Alertmanager retries, and nothing is
 * lost; an evicting cache would instead drop episodes and storm windows without a word. The harness's
 * redis-server runs with maxmemory 16mb and noeviction, as the deployed parameter group does.
 */
describe('a full Redis (maxmemory, noeviction)', () => {
  let it_: IntegrationStack;
  const fillers: string[] = [];
  /**
   * Fills Redis past maxmemory: 1 MiB values until one is refused (its own bytes count while it is read),
   * then a few-byte SETRANGE that grows a value by 4 MiB, which Redis lets through while it is still
   * under the limit. Afterwards used memory is above maxmemory and every write is refused.
   */
  async function fill(): Promise<void> {
    for (;;) {
      const key = `sg-test:filler:${fillers.length}`;
      try {
        await it_.redis.set(key, Buffer.alloc(1024 * 1024, 1), 'EX', 600);
      } catch (error) {
        expect(String(error)).toMatch(/OOM command not allowed/);
        break;
      }
      fillers.push(key);
    }
    const grown = `sg-test:filler:${fillers.length}`;
    fillers.push(grown);
    await it_.redis.setrange(grown, 4 * 1024 * 1024, 'x').catch((error: unknown) => expect(String(error)).toMatch(/OOM command not allowed/));
    await it_.redis.expire(grown, 600).catch(() => undefined);
  }
  const empty = async () => {
    if (fillers.length > 0) await it_.redis.del(...fillers.splice(0));
  };

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', { STORM_HOLD_SECONDS: '0' });
  });
  afterAll(async () => {
    if (it_) await empty();
    await it_?.stop();
  });

  /** A configuration value of the (standalone) server. */
  const configValue = async (name: string) => String(((await it_.redis.call('CONFIG', 'GET', name)) as string[])[1]);

  it('answers 503 with Retry-After while full, stores nothing, and takes the retried notification once memory is back', async () => {
    const maxmemory = Number(await configValue('maxmemory'));
    expect(maxmemory).toBeGreaterThan(0);
    expect(await configValue('maxmemory-policy')).toBe('noeviction');
    await fill();
    const used = Number(/used_memory:(\d+)/.exec(await it_.redis.info('memory'))?.[1]);
    expect(used).toBeGreaterThan(maxmemory);

    const notification = webhook([alert({ labels: { alertname: 'DiskFull', namespace: 'storage', pod: 'db-0' } })]);
    const refused = await it_.post(notification);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/retry later/) });
    await it_.stack.runtime.drain();
    expect(it_.requests()).toEqual([]);

    await empty();
    // Alertmanager retries the 503: the same notification, now accepted and turned into one request.
    expect((await it_.post(notification)).status).toBe(202);
    await it_.stack.runtime.drain();
    expect(it_.requests().map((request) => (request.spec as { signalName: string }).signalName)).toEqual(['DiskFull']);
    await it_.checkAndReset();
  });
});
