import { z } from 'zod';
import type { EpisodeOutcome } from '../domain/dedup-decision.js';
import type { Signal } from '../domain/signal.js';
import { RedisProtocolError, RedisUnavailableError } from '../errors.js';
import type { RedisClient } from './client.js';
import { episodeKey, stormTag } from './keys.js';

const observeReplySchema = z.array(
  z.tuple([z.enum(['opened', 'pending', 'repeated', 'closed', 'unmatched']), z.coerce.number(), z.coerce.number()]),
);

function toOutcome([kind, episodeStartMs, occurrenceCount]: z.infer<typeof observeReplySchema>[number]): EpisodeOutcome {
  switch (kind) {
    case 'opened':
      return { kind, episodeStartMs };
    case 'unmatched':
      return { kind };
    default:
      return { kind, episodeStartMs, occurrenceCount };
  }
}

/** Indexes of `items` grouped by hash tag, so that each group is one script call in one slot. */
function groupByTag<T>(items: readonly T[], tagOf: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const tag = tagOf(item);
    const group = groups.get(tag);
    if (group) group.push(index);
    else groups.set(tag, [index]);
  });
  return groups;
}

async function callRedis<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new RedisUnavailableError(`redis ${operation} failed: ${(error as Error).message}`, { cause: error });
  }
}

export interface EpisodeStoreOptions {
  readonly idleTtlSeconds: number;
}

/** Episode state of fingerprints in Redis. One script call per storm key (hash slot) per batch. */
export class EpisodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: EpisodeStoreOptions,
  ) {}

  /** Atomically records each signal against its fingerprint's episode; outcomes in the signals' order. */
  async observe(tenant: string, signals: readonly Signal[], nowMs: number): Promise<EpisodeOutcome[]> {
    const outcomes = new Array<EpisodeOutcome>(signals.length);
    const groups = groupByTag(signals, (signal) => stormTag(tenant, signal));
    await Promise.all(
      [...groups].map(async ([tag, indexes]) => {
        const batch = indexes.map((index) => signals[index] as Signal);
        const reply = await callRedis('episode observe', () =>
          this.redis.sgEpisodeObserve(
            batch.length,
            ...batch.map((signal) => episodeKey(tag, signal.fingerprint)),
            nowMs,
            this.options.idleTtlSeconds * 1000,
            ...batch.map((signal) => (signal.status === 'firing' ? 'f' : 'r')),
          ),
        );
        const parsed = observeReplySchema.safeParse(reply);
        if (!parsed.success || parsed.data.length !== batch.length) {
          throw new RedisProtocolError(`unexpected episode observe reply: ${JSON.stringify(reply)}`);
        }
        parsed.data.forEach((entry, position) => {
          outcomes[indexes[position] as number] = toOutcome(entry);
        });
      }),
    );
    return outcomes;
  }

  /** Marks episodes whose RemediationRequest exists, so later repeats are plain duplicates. */
  async confirmCreated(
    tenant: string,
    created: readonly { signal: Signal; episodeStartMs: number }[],
  ): Promise<void> {
    const groups = groupByTag(created, (entry) => stormTag(tenant, entry.signal));
    await Promise.all(
      [...groups].map(([tag, indexes]) => {
        const batch = indexes.map((index) => created[index] as (typeof created)[number]);
        return callRedis('episode confirm', () =>
          this.redis.sgEpisodeConfirm(
            batch.length,
            ...batch.map((entry) => episodeKey(tag, entry.signal.fingerprint)),
            ...batch.map((entry) => entry.episodeStartMs),
          ),
        );
      }),
    );
  }
}
