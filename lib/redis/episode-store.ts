import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EpisodeOutcome } from '../domain/dedup-decision.js';
import { stormTagOf } from '../domain/fingerprint.js';
import type { Signal } from '../domain/signal.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { decodeEpisodeRecord, type EpisodeRecord } from './episode-record.js';
import { episodeKey } from './keys.js';

const outcomeKinds = ['opened', 'pending', 'repeated', 'redelivered', 'closed', 'unmatched'] as const;
const observeReplySchema = z.array(
  z.tuple([z.enum(outcomeKinds), z.coerce.number(), z.coerce.number(), z.union([z.literal(0), z.literal(1)])]),
);

export interface ObservedSignal {
  readonly outcome: EpisodeOutcome;
  /** This occurrence made the request's status stale; a status write must be scheduled. */
  readonly statusWriteDue: boolean;
}

function toObserved([kind, episodeStart, occurrenceCount, schedule]: z.infer<typeof observeReplySchema>[number]): ObservedSignal {
  const outcome: EpisodeOutcome =
    kind === 'opened' ? { kind, episodeStart } : kind === 'unmatched' ? { kind } : { kind, episodeStart, occurrenceCount };
  return { outcome, statusWriteDue: schedule === 1 };
}

/** The 8-bit delivery hash kept in the record: enough to tell an HA copy from another delivery. */
function deliveryHash(deliveryKey: string): number {
  return createHash('sha256').update(deliveryKey).digest().readUInt8(0);
}

/** Indexes of `items` grouped by hash tag, so that each group is one script call in one slot. */
function groupByTag<T>(items: readonly T[], tagOf: (item: T) => string): number[][] {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const tag = tagOf(item);
    groups.set(tag, [...(groups.get(tag) ?? []), index]);
  });
  return [...groups.values()];
}

export interface EpisodeStoreOptions {
  /** An open episode with no new occurrence expires after this (safety net; resolve closes it). */
  readonly idleTtlSeconds: number;
  /** How long a closed episode's record stays readable (decision receipt, late HA copies). */
  readonly closedTtlSeconds: number;
  /** A repeat with the last delivery key within this window is an HA peer's copy. */
  readonly haWindowSeconds: number;
}

/** Episode records of signals in Redis. One script call per storm key (hash slot) per batch. */
export class EpisodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: EpisodeStoreOptions,
  ) {}

  /** Atomically records each signal against its fingerprint's episode; results in the signals' order. */
  async observe(tenant: string, signals: readonly Signal[], now: number): Promise<ObservedSignal[]> {
    const results = new Array<ObservedSignal>(signals.length);
    const groups = groupByTag(signals, (signal) => stormTagOf(tenant, signal.fingerprint));
    await Promise.all(
      groups.map(async (indexes) => {
        const batch = indexes.map((index) => signals[index] as Signal);
        const reply = await callRedis('episode observe', () =>
          this.redis.sgEpisodeObserve(
            batch.length,
            ...batch.map((signal) => episodeKey(tenant, signal.fingerprint)),
            now,
            this.options.idleTtlSeconds * 1000,
            this.options.closedTtlSeconds * 1000,
            this.options.haWindowSeconds,
            ...batch.flatMap((signal) => [signal.status === 'firing' ? 'f' : 'r', deliveryHash(signal.deliveryKey)]),
          ),
        );
        const parsed = observeReplySchema.safeParse(reply);
        if (!parsed.success || parsed.data.length !== batch.length) {
          throw new RedisProtocolError(`unexpected episode observe reply: ${JSON.stringify(reply)}`);
        }
        parsed.data.forEach((entry, position) => {
          results[indexes[position] as number] = toObserved(entry);
        });
      }),
    );
    return results;
  }

  /** Marks episodes whose RemediationRequest exists, so later repeats are plain duplicates. */
  async confirmCreated(tenant: string, created: readonly { fingerprint: string; episodeStart: number }[]): Promise<void> {
    await Promise.all(
      groupByTag(created, (entry) => stormTagOf(tenant, entry.fingerprint)).map((indexes) => {
        const batch = indexes.map((index) => created[index] as (typeof created)[number]);
        return callRedis('episode confirm', () =>
          this.redis.sgEpisodeConfirm(
            batch.length,
            ...batch.map((entry) => episodeKey(tenant, entry.fingerprint)),
            ...batch.map((entry) => entry.episodeStart),
          ),
        );
      }),
    );
  }

  /** The episode record of one fingerprint, or undefined when there is none (never seen, or expired). */
  async read(tenant: string, fingerprint: string): Promise<EpisodeRecord | undefined> {
    const raw = await callRedis('episode read', () => this.redis.getBuffer(episodeKey(tenant, fingerprint)));
    return raw === null ? undefined : decodeEpisodeRecord(raw);
  }

  /**
   * Reports that the status now shows `occurrenceCount` occurrences of the episode: `clean` when nothing
   * newer arrived, `stale` when another write is due, `gone` when the episode ended or changed.
   */
  async statusWritten(tenant: string, fingerprint: string, episodeStart: number, occurrenceCount: number): Promise<'clean' | 'stale' | 'gone'> {
    const reply = await callRedis('episode status written', () =>
      this.redis.sgEpisodeStatusWritten(1, episodeKey(tenant, fingerprint), episodeStart, occurrenceCount),
    );
    if (reply === 1) return 'clean';
    if (reply === 0) return 'stale';
    if (reply === -1) return 'gone';
    throw new RedisProtocolError(`unexpected status-written reply: ${JSON.stringify(reply)}`);
  }
}

export type { EpisodeRecord };
