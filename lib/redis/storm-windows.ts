import { z } from 'zod';
import { fingerprintKeyDigest } from '../domain/fingerprint.js';
import { type ClosedStorm, stormPartOf, stormTriggers } from '../domain/storm.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { stormKeys } from './keys.js';

const numberField = z.coerce.number().int().nonnegative();

function parseClosing(flat: readonly unknown[]): ClosedStorm {
  const fields = new Map<string, string>();
  const resources: string[] = [];
  const labels: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const name = String(flat[index]);
    const value = String(flat[index + 1]);
    if (name.startsWith('#')) resources.push(value);
    else if (name.startsWith('_L')) labels[name.slice(2)] = value;
    else fields.set(name, value);
  }
  const trigger = stormTriggers[Number(fields.get('_t')) as keyof typeof stormTriggers];
  const numbers = ['_s', '_e', '_a', '_x'].map((name) => numberField.safeParse(fields.get(name)));
  if (trigger === undefined || numbers.some((parsed) => !parsed.success)) {
    throw new RedisProtocolError('unexpected storm window record');
  }
  const [start, end, alertCount, beyond] = numbers.map((parsed) => parsed.data as number) as [number, number, number, number];
  return {
    start,
    end,
    alertCount,
    trigger,
    alertname: fields.get('_A') ?? labels.alertname ?? 'unknown',
    ...(fields.has('_N') && { namespace: fields.get('_N') }),
    severity: fields.get('_V') ?? 'unknown',
    commonLabels: labels,
    resources: resources.sort(),
    resourcesBeyondCap: beyond,
  };
}

export interface WindowLimits {
  readonly inactivitySeconds: number;
  readonly maxWindowSeconds: number;
}

export type CloseResult = { kind: 'none' } | { kind: 'not-due'; dueAt: number } | { kind: 'closing'; window: ClosedStorm };

/** Closing storm windows (the sweep), and reading which window a signal joined (the decision receipt). */
export class StormWindows {
  constructor(
    private readonly redis: RedisClient,
    private readonly limits: WindowLimits,
  ) {}

  /** Closes the window if due (or resumes a close a crashed sweep left). */
  async close(tenant: string, stormPart: string, now: number): Promise<CloseResult> {
    const keys = stormKeys(tenant, stormPart);
    const reply = await callRedis('storm close', () =>
      this.redis.sgStormClose(4, keys.window, keys.overflow, keys.closing, keys.hot, now, this.limits.inactivitySeconds, this.limits.maxWindowSeconds, this.limits.maxWindowSeconds * 1000, 24 * 3600 * 1000),
    );
    if (!Array.isArray(reply) || reply.length === 0) throw new RedisProtocolError(`unexpected storm close reply: ${JSON.stringify(reply)}`);
    const [kind, ...rest] = reply as unknown[];
    if (kind === 'none') return { kind };
    if (kind === 'not-due') return { kind, dueAt: Number(rest[0]) };
    if (kind === 'closing') return { kind, window: parseClosing(rest) };
    throw new RedisProtocolError(`unexpected storm close reply: ${JSON.stringify(reply)}`);
  }

  /** The aggregated request exists: drop the closing record. Returns a follow-up window opened meanwhile. */
  async finish(tenant: string, stormPart: string): Promise<{ start: number; lastNewResource: number } | undefined> {
    const keys = stormKeys(tenant, stormPart);
    const reply = await callRedis('storm finish', () => this.redis.sgStormFinish(2, keys.closing, keys.window, this.limits.maxWindowSeconds * 1000));
    const parsed = z.union([z.tuple([]), z.tuple([z.number(), z.number()])]).safeParse(reply);
    if (!parsed.success) throw new RedisProtocolError(`unexpected storm finish reply: ${JSON.stringify(reply)}`);
    return parsed.data.length === 2 ? { start: parsed.data[0], lastNewResource: parsed.data[1] } : undefined;
  }

  /** The window that lists this signal (open, closing, or recently closed), if any. */
  async windowOf(tenant: string, fingerprint: string): Promise<{ start: number; state: 'open' | 'closing' | 'closed' } | undefined> {
    const keys = stormKeys(tenant, stormPartOf(fingerprint));
    const member = Buffer.concat([Buffer.from('#'), fingerprintKeyDigest(tenant, fingerprint)]);
    for (const key of [keys.window, keys.closing]) {
      const [listed, start, finished] = await callRedis('storm lookup', () => this.redis.hmget(key, member, '_s', '_f'));
      if (listed !== null && start !== null) return { start: Number(start), state: key === keys.window ? 'open' : finished === null ? 'closing' : 'closed' };
    }
    return undefined;
  }
}
