import { z } from 'zod';
import type { EpisodeOutcome, EpisodeOutcomeKind } from '../domain/dedup-decision.js';
import { stormTagOf } from '../domain/fingerprint.js';
import type { Signal } from '../domain/signal.js';
import { RedisProtocolError } from '../errors.js';
import type { RedisClient } from './client.js';
import { callRedis } from './call-redis.js';
import { episodeKey } from './keys.js';

const outcomeKinds = ['opened', 'pending', 'repeated', 'redelivered', 'closed', 'unmatched'] as const;
const observeReplySchema = z.array(z.tuple([z.enum(outcomeKinds), z.coerce.number(), z.coerce.number()]));

const outcomeByCode: Record<string, EpisodeOutcomeKind> = { o: 'opened', p: 'pending', d: 'repeated', h: 'redelivered', c: 'closed' };

/** An episode hash as stored (see lib/redis/scripts.ts), validated when read back. */
const episodeRecordSchema = z.object({
  s: z.enum(['r', 'c', 'x']),
  n: z.coerce.number().int().positive(),
  f: z.coerce.number().int().nonnegative(),
  l: z.coerce.number().int().nonnegative(),
  o: z.string().transform((code, context) => {
    const kind = outcomeByCode[code];
    if (kind === undefined) context.addIssue({ code: 'custom', message: `unknown outcome code ${code}` });
    return kind as EpisodeOutcomeKind;
  }),
});

export interface EpisodeRecord {
  readonly state: 'reserved' | 'created' | 'closed';
  readonly occurrenceCount: number;
  readonly episodeStartMs: number;
  readonly lastSeenMs: number;
  readonly lastOutcome: EpisodeOutcomeKind;
}

function toOutcome([kind, episodeStartMs, occurrenceCount]: z.infer<typeof observeReplySchema>[number]): EpisodeOutcome {
  if (kind === 'opened') return { kind, episodeStartMs };
  if (kind === 'unmatched') return { kind };
  return { kind, episodeStartMs, occurrenceCount };
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

export interface EpisodeStoreOptions {
  /** An open episode with no new occurrence expires after this (safety net; resolve closes it). */
  readonly idleTtlSeconds: number;
  /** How long a closed episode's record stays readable (decision receipt, late HA copies). */
  readonly closedTtlSeconds: number;
  /** A repeat with the last delivery key within this window is an HA peer's copy. */
  readonly haWindowSeconds: number;
}

/** Episode state of signals in Redis. One script call per storm key (hash slot) per batch. */
export class EpisodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: EpisodeStoreOptions,
  ) {}

  /** Atomically records each signal against its fingerprint's episode; outcomes in the signals' order. */
  async observe(tenant: string, signals: readonly Signal[], nowMs: number): Promise<EpisodeOutcome[]> {
    const outcomes = new Array<EpisodeOutcome>(signals.length);
    const groups = groupByTag(signals, (signal) => stormTagOf(tenant, signal.fingerprint));
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const batch = indexes.map((index) => signals[index] as Signal);
        const reply = await callRedis('episode observe', () =>
          this.redis.sgEpisodeObserve(
            batch.length,
            ...batch.map((signal) => episodeKey(tenant, signal.fingerprint)),
            nowMs,
            this.options.idleTtlSeconds * 1000,
            this.options.closedTtlSeconds * 1000,
            this.options.haWindowSeconds * 1000,
            ...batch.flatMap((signal) => [signal.status === 'firing' ? 'f' : 'r', signal.deliveryKey]),
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
  async confirmCreated(tenant: string, created: readonly { signal: Signal; episodeStartMs: number }[]): Promise<void> {
    const groups = groupByTag(created, (entry) => stormTagOf(tenant, entry.signal.fingerprint));
    await Promise.all(
      [...groups.values()].map((indexes) => {
        const batch = indexes.map((index) => created[index] as (typeof created)[number]);
        return callRedis('episode confirm', () =>
          this.redis.sgEpisodeConfirm(
            batch.length,
            ...batch.map((entry) => episodeKey(tenant, entry.signal.fingerprint)),
            ...batch.map((entry) => entry.episodeStartMs),
          ),
        );
      }),
    );
  }

  /** The episode record of one fingerprint, or undefined when there is none (never seen, or expired). */
  async read(tenant: string, fingerprint: string): Promise<EpisodeRecord | undefined> {
    const raw = await callRedis('episode read', () => this.redis.hgetall(episodeKey(tenant, fingerprint)));
    if (Object.keys(raw).length === 0) return undefined;
    const parsed = episodeRecordSchema.safeParse(raw);
    if (!parsed.success) throw new RedisProtocolError(`unexpected episode record for ${fingerprint}`);
    const { s, n, f, l, o } = parsed.data;
    return {
      state: s === 'r' ? 'reserved' : s === 'c' ? 'created' : 'closed',
      occurrenceCount: n,
      episodeStartMs: f,
      lastSeenMs: l,
      lastOutcome: o,
    };
  }
}
