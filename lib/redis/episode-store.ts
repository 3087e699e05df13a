import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EpisodeOutcome } from '../domain/dedup-decision.js';
import { fingerprintKeyDigest } from '../domain/fingerprint.js';
import { resourceLabel, sharedLabels, type StormScope, stormPartOf } from '../domain/storm.js';
import type { Signal } from '../domain/signal.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { decodeEpisodeRecord, type EpisodeRecord } from './episode-record.js';
import { batchIdempotencyKey, episodeKey, stormKeys } from './keys.js';

const windowReplySchema = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number(), z.number()]);
const observeReplySchema = z.tuple([
  windowReplySchema,
  z.array(
    z.tuple([
      z.enum(['opened', 'pending', 'repeated', 'redelivered', 'closed', 'unmatched', 'held', 'stormed']),
      z.coerce.number(),
      z.coerce.number(),
      z.union([z.literal(0), z.literal(1)]),
    ]),
  ),
]);
const resolveReplySchema = z.tuple([windowReplySchema, z.array(z.tuple([z.enum(['stormed', 'released', 'gone']), z.number(), z.number()]))]);

export interface ObservedSignal {
  readonly outcome: EpisodeOutcome;
  /** This occurrence made the request's status stale; a status write must be scheduled. */
  readonly statusWriteDue: boolean;
}

export type HeldResolution = { kind: 'stormed'; episodeStart: number } | { kind: 'released'; episodeStart: number; occurrenceCount: number } | { kind: 'gone' };

/** A storm window this call opened or added to; its close must be scheduled. */
export interface WindowTouch {
  readonly stormPart: string;
  readonly start: number;
  readonly lastNewResource: number;
  readonly opened: boolean;
}

function toObserved([kind, episodeStart, occurrenceCount, schedule]: z.infer<typeof observeReplySchema>[1][number]): ObservedSignal {
  const outcome: EpisodeOutcome =
    kind === 'opened' || kind === 'stormed'
      ? { kind, episodeStart }
      : kind === 'unmatched'
        ? { kind }
        : { kind, episodeStart, occurrenceCount };
  return { outcome, statusWriteDue: schedule === 1 };
}

function toWindow(stormPart: string, [opened, start, lastNewResource]: z.infer<typeof windowReplySchema>): WindowTouch[] {
  return start > 0 ? [{ stormPart, start, lastNewResource, opened: opened === 1 }] : [];
}

/** The 8-bit delivery hash kept in the record: enough to tell an HA copy from another delivery. */
function deliveryHash(deliveryKey: string): number {
  return createHash('sha256').update(deliveryKey).digest().readUInt8(0);
}

/** Indexes of `items` grouped by storm key, so that each group is one script call in one slot. */
function groupByStorm<T>(items: readonly T[], fingerprintOf: (item: T) => string): [string, number[]][] {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const stormPart = stormPartOf(fingerprintOf(item));
    groups.set(stormPart, [...(groups.get(stormPart) ?? []), index]);
  });
  return [...groups];
}

export interface StormOptions {
  readonly scope: StormScope;
  readonly threshold: number;
  readonly detectionWindowSeconds: number;
  readonly holdSeconds: number;
  readonly resourceCap: number;
  readonly maxWindowSeconds: number;
}

export interface EpisodeStoreOptions {
  /** An open episode with no new occurrence expires after this (safety net; resolve closes it). */
  readonly idleTtlSeconds: number;
  /** How long a closed episode's record stays readable (decision receipt, late HA copies). */
  readonly closedTtlSeconds: number;
  /** A repeat with the last delivery key within this window is an HA peer's copy. */
  readonly haWindowSeconds: number;
  readonly storm: StormOptions;
}

/**
 * KEYS of the dedup scripts: the storm key's detection, window, overflow and hot marker, the batch's
 * idempotency record, then one episode record per signal.
 */
function dedupStepKeys(tenant: string, stormPart: string, batch: readonly Signal[], requestId: string): Buffer[] {
  const storm = stormKeys(tenant, stormPart);
  const fingerprints = batch.map((signal) => signal.fingerprint);
  return [
    storm.detection,
    storm.window,
    storm.overflow,
    storm.hot,
    batchIdempotencyKey(tenant, stormPart, requestId, fingerprints),
    ...fingerprints.map((fingerprint) => episodeKey(tenant, fingerprint)),
  ];
}

// A retried dedup event replays its decisions for this long (Lambda retries within a few minutes).
const idempotencyTtlMs = 15 * 60 * 1000;

/** What an aggregated request needs to know about its storm key, kept in the window at open. */
function windowMeta(signal: Signal | undefined, scope: StormScope): string {
  return JSON.stringify({
    alertname: signal?.alertname,
    namespace: scope === 'namespace' ? signal?.labels.namespace ?? signal?.labels.exported_namespace : undefined,
    severity: signal?.severity,
  });
}

// A window outlives its maximum length by this much, so that a late sweep still closes it.
const windowTtlSlackSeconds = 6 * 3600;

/** Episode records of signals in Redis. One script call per storm key (hash slot) per batch. */
export class EpisodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: EpisodeStoreOptions,
  ) {}

  /**
   * Atomically records each signal: episodes, storm detection, storm windows and the hold, one script
   * call per storm key. Results in the signals' order, and the windows that were touched.
   */
  async observe(
    tenant: string,
    signals: readonly Signal[],
    now: number,
    batch: { readonly requestId: string; readonly truncatedAlerts?: number } = { requestId: randomUUID() },
  ): Promise<{ results: ObservedSignal[]; windows: WindowTouch[] }> {
    const results = new Array<ObservedSignal>(signals.length);
    const storm = this.options.storm;
    const windows = await Promise.all(
      groupByStorm(signals, (signal) => signal.fingerprint).map(async ([stormPart, indexes]) => {
        const group = indexes.map((index) => signals[index] as Signal);
        const keys = dedupStepKeys(tenant, stormPart, group, batch.requestId);
        const firing = group.filter((signal) => signal.status === 'firing');
        const reply = await callRedis('episode observe', () =>
          this.redis.sgEpisodeObserve(
            keys.length,
            ...keys,
            now,
            this.options.idleTtlSeconds * 1000,
            this.options.closedTtlSeconds * 1000,
            this.options.haWindowSeconds,
            storm.threshold,
            storm.detectionWindowSeconds,
            storm.holdSeconds,
            storm.resourceCap,
            batch.truncatedAlerts ?? 0,
            this.windowTtlMs(),
            windowMeta(firing[0] ?? group[0], storm.scope),
            JSON.stringify(sharedLabels(firing)),
            idempotencyTtlMs,
            ...group.flatMap((signal) => [
              signal.status === 'firing' ? 'f' : 'r',
              deliveryHash(signal.deliveryKey),
              fingerprintKeyDigest(tenant, signal.fingerprint),
              resourceLabel(signal.target, storm.scope),
            ]),
          ),
        );
        const parsed = observeReplySchema.safeParse(reply);
        if (!parsed.success || parsed.data[1].length !== group.length) {
          throw new RedisProtocolError(`unexpected episode observe reply: ${JSON.stringify(reply)}`);
        }
        parsed.data[1].forEach((entry, position) => {
          results[indexes[position] as number] = toObserved(entry);
        });
        return toWindow(stormPart, parsed.data[0]);
      }),
    );
    return { results, windows: windows.flat() };
  }

  /** After the hold: held signals join a storm that formed meanwhile, or are released to get their own request. */
  async resolveHeld(tenant: string, signals: readonly Signal[], now: number): Promise<{ results: HeldResolution[]; windows: WindowTouch[] }> {
    const results = new Array<HeldResolution>(signals.length);
    const storm = this.options.storm;
    const windows = await Promise.all(
      groupByStorm(signals, (signal) => signal.fingerprint).map(async ([stormPart, indexes]) => {
        const batch = indexes.map((index) => signals[index] as Signal);
        const keys = dedupStepKeys(tenant, stormPart, batch, 'resolve-held');
        const reply = await callRedis('episode resolve held', () =>
          this.redis.sgEpisodeResolveHeld(
            keys.length,
            ...keys,
            now,
            storm.resourceCap,
            this.windowTtlMs(),
            windowMeta(batch[0], storm.scope),
            JSON.stringify(sharedLabels(batch)),
            ...batch.flatMap((signal) => [fingerprintKeyDigest(tenant, signal.fingerprint), resourceLabel(signal.target, storm.scope)]),
          ),
        );
        const parsed = resolveReplySchema.safeParse(reply);
        if (!parsed.success || parsed.data[1].length !== batch.length) {
          throw new RedisProtocolError(`unexpected resolve-held reply: ${JSON.stringify(reply)}`);
        }
        parsed.data[1].forEach(([kind, episodeStart, occurrenceCount], position) => {
          results[indexes[position] as number] =
            kind === 'stormed' ? { kind, episodeStart } : kind === 'released' ? { kind, episodeStart, occurrenceCount } : { kind };
        });
        return toWindow(stormPart, parsed.data[0]);
      }),
    );
    return { results, windows: windows.flat() };
  }

  private windowTtlMs(): number {
    return (this.options.storm.maxWindowSeconds + windowTtlSlackSeconds) * 1000;
  }

  /** Marks episodes whose RemediationRequest exists, so later repeats are plain duplicates. */
  async confirmCreated(tenant: string, created: readonly { fingerprint: string; episodeStart: number }[]): Promise<void> {
    await Promise.all(
      groupByStorm(created, (entry) => entry.fingerprint).map(([, indexes]) => {
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
