import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { RedisProtocolError } from '../errors.js';
import type { RedisClient } from './client.js';
import { callRedis } from './call-redis.js';
import { rateBudgetKey } from './keys.js';

export interface RateBudgetOptions {
  /** Sustained rate, in alerts per second. */
  readonly alertsPerSecond: number;
  /** How many alerts may arrive at once above the sustained rate. */
  readonly burst: number;
}

export type RateBudgetVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

const replySchema = z.tuple([z.union([z.literal(0), z.literal(1)]), z.int().check(z.nonnegative())]);

/**
 * A tenant's alert budget: GCRA on one key per tenant (O(1) memory, atomic, Redis clock). The cost of a
 * request is its alert count, capped at the burst so that one maximal notification always fits an
 * idle budget.
 */
export class TenantRateBudget {
  private readonly emissionMicros: number;
  private readonly toleranceMicros: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RateBudgetOptions,
  ) {
    this.emissionMicros = 1_000_000 / options.alertsPerSecond;
    this.toleranceMicros = this.emissionMicros * options.burst;
  }

  async take(tenant: string, alerts: number): Promise<RateBudgetVerdict> {
    const cost = Math.min(Math.max(alerts, 1), this.options.burst);
    const reply = await callRedis('rate budget', () =>
      this.redis.sgRateBudgetTake(1, rateBudgetKey(tenant), this.emissionMicros, this.toleranceMicros, cost),
    );
    const parsed = replySchema.safeParse(reply);
    if (!parsed.success) throw new RedisProtocolError(`unexpected rate budget reply: ${JSON.stringify(reply)}`);
    const [allowed, retryAfterMs] = parsed.data;
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
  }
}
