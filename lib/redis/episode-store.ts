import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { alertDigest, fingerprintKeyDigest } from '../domain/fingerprint.js';
import { episodeOutcomes, type OutcomeKind, stormOutcomes, withheldResolvedOutcome } from '../domain/lifecycle.js';
import { resourceLabel, sharedLabels, type StormScope, stormPartOf } from '../domain/storm.js';
import { type Signal, signalSchema } from '../domain/signal.js';
import { unixSeconds } from '../domain/time.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { decodeEpisodeRecord, type EpisodeRecord } from './episode-record.js';
import { batchMarkerKey, episodeKey, stormKeys, withheldSignalKey } from './keys.js';
import { observeFlags } from './lua/episode-scripts.js';
import { luaJson } from './lua-json.js';
import { parseJsonAs } from '../validation/parse-json.js';

const outcomeKindSchema = z.enum([...(Object.keys(episodeOutcomes) as (keyof typeof episodeOutcomes)[]), ...stormOutcomes, withheldResolvedOutcome]);
const stormTouchSchema = z.tuple([z.number(), z.number()]);
const observeReplySchema = z.tuple([stormTouchSchema, z.array(z.tuple([outcomeKindSchema, z.coerce.number(), z.coerce.number(), z.coerce.number()]))]);
const resolveReplySchema = z.tuple([stormTouchSchema, z.array(z.tuple([z.enum(['stormed', 'released', 'gone']), z.number(), z.number()]))]);
const confirmReplySchema = z.union([z.tuple([]), z.tuple([z.enum(['firing', 'resolved', 'superseded', 'reopened']), z.number(), z.number(), z.number()])]);

/** What the atomic dedup step reported for one signal. */
export interface ObservedSignal {
  readonly kind: OutcomeKind;
  /** The episode's start (names its request); for storm outcomes, the storm episode's start. 0 when none. */
  readonly episodeStart: number;
  readonly occurrenceCount: number;
  /** This occurrence made the request's status stale; a status write must be scheduled. */
  readonly statusWriteDue: boolean;
  /** No record existed before: Redis may have lost the state, so Kubernetes is asked before acting. */
  readonly noRecord: boolean;
}

/** Why an episode's request is withheld (the outcome written into its record). */
export type WithholdReason = 'deferred' | 'recurrence' | 'review-blocked';

export type HeldResolution = { kind: 'stormed'; episodeStart: number } | { kind: 'released'; episodeStart: number; occurrenceCount: number } | { kind: 'gone' };

/** A storm episode that a dedup step changed in a way that needs the sweep by `dueAt`. */
export interface StormTouch {
  readonly stormPart: string;
  readonly dueAt: number;
}

/** What an episode's request must show, read atomically when the request was confirmed. */
export interface ConfirmedEpisode {
  /**
   * superseded: the record went on to another episode meanwhile; this episode's request must show Resolved.
   * reopened: the adopted request was Resolved, but a newer occurrence joined meanwhile: a new episode
   * starts at `episodeStart`, and its request is still to be made.
   */
  readonly state: 'firing' | 'resolved' | 'superseded' | 'reopened';
  readonly episodeStart: number;
  readonly occurrenceCount: number;
  readonly lastSeen: number;
}

function toTouch(stormPart: string, [dueAt]: z.infer<typeof stormTouchSchema>): StormTouch[] {
  return dueAt > 0 ? [{ stormPart, dueAt }] : [];
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

/**
 * ElastiCache Serverless refuses a command with more than 3,999 arguments. The dedup step sends
 * 1 (EVALSHA) + 1 (sha) + 1 (numkeys) + 5 keys + 16 arguments + 7 per signal (a key and 6 arguments),
 * so a storm key's signals go in calls of at most this many (24 + 7 × 500 = 3,524 arguments).
 */
export const maxSignalsPerScriptCall = 500;
export const serverlessArgumentLimit = 3_999;

/** `indexes` in consecutive runs of at most maxSignalsPerScriptCall, in order. */
function scriptCalls(indexes: readonly number[]): number[][] {
  const calls: number[][] = [];
  for (let first = 0; first < indexes.length; first += maxSignalsPerScriptCall) calls.push(indexes.slice(first, first + maxSignalsPerScriptCall));
  return calls;
}

export interface StormOptions {
  readonly scope: StormScope;
  readonly threshold: number;
  readonly detectionWindowSeconds: number;
  readonly holdSeconds: number;
  readonly resourceCap: number;
  readonly inactivitySeconds: number;
  readonly maxWindowSeconds: number;
}

export interface EpisodeStoreOptions {
  /** An open episode (or storm) with no new occurrence expires after this (safety net; resolve closes it). */
  readonly idleTtlSeconds: number;
  /** How long a closed episode's record stays: decision receipts, and the tombstone that stops late copies. */
  readonly closedTtlSeconds: number;
  /** A repeat with the last delivery key within this window is an HA peer's copy. */
  readonly haWindowSeconds: number;
  /** How long a batch's marker stays, so that a Lambda retry of it counts nothing again. */
  readonly retryHorizonSeconds: number;
  readonly statusWriteIntervalSeconds: number;
  readonly storm: StormOptions;
}

/** What an aggregated request needs to know about its storm key, kept in the storm episode at open. */
function stormMeta(signal: Signal | undefined): string {
  return luaJson({ alertname: signal?.alertname, namespace: signal?.stormNamespace, severity: signal?.severity });
}

/** The per-signal arguments of the dedup scripts: resource digest and label, alert digest, startsAt. */
function memberArgs(tenant: string, signal: Signal, scope: StormScope): [Buffer, string, number, number] {
  return [fingerprintKeyDigest(tenant, signal.fingerprint), resourceLabel(signal.target, scope), alertDigest(signal), unixSeconds(signal.startsAt)];
}

// A storm episode outlives its idle TTL by this much, so that a late sweep still ends it.
const stormTtlSlackSeconds = 6 * 3600;

/**
 * Episode records of signals and storm episodes in Redis. One script call per storm key (hash slot) per
 * batch; docs/LIFECYCLE.md describes the states and transitions, lib/domain/lifecycle.ts names them.
 */
export class EpisodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: EpisodeStoreOptions,
  ) {}

  /**
   * Atomically records each signal: episodes, storm detection and the storm episode, one script call per
   * storm key. Results in the signals' order, and the storm episodes that need the sweep.
   * `truncatedStormParts`: the storm keys whose group Alertmanager truncated (with how many alerts).
   */
  async observe(
    tenant: string,
    signals: readonly Signal[],
    now: number,
    batch: { readonly requestId: string; readonly truncated?: ReadonlyMap<string, number> } = { requestId: randomUUID() },
  ): Promise<{ results: ObservedSignal[]; storms: StormTouch[] }> {
    const results = new Array<ObservedSignal>(signals.length);
    const storm = this.options.storm;
    const storms = await Promise.all(
      groupByStorm(signals, (signal) => signal.fingerprint).map(async ([stormPart, groupIndexes]) => {
        // What the storm episode records about the whole group is the same in every call of it.
        const whole = groupIndexes.map((index) => signals[index] as Signal);
        const wholeFiring = whole.filter((signal) => signal.status === 'firing');
        const meta = stormMeta(wholeFiring[0] ?? whole[0]);
        const shared = luaJson(sharedLabels(wholeFiring));
        const keys = stormKeys(tenant, stormPart);
        const touches: StormTouch[] = [];
        // In order, one after the other: a later call sees what an earlier one decided (a storm it opened).
        for (const indexes of scriptCalls(groupIndexes)) {
          const group = indexes.map((index) => signals[index] as Signal);
          const marker = batchMarkerKey(tenant, stormPart, batch.requestId, group.map((signal) => `${signal.fingerprint}/${signal.status}/${signal.startsAt}/${signal.deliveryKey}`));
          const allKeys = [keys.detection, keys.storm, keys.overflow, keys.bloom, marker, ...group.map((signal) => episodeKey(tenant, signal.fingerprint))];
          const reply = await callRedis('episode observe', () =>
            this.redis.sgEpisodeObserve(
              allKeys.length,
              ...allKeys,
              now,
              this.options.idleTtlSeconds * 1000,
              this.options.closedTtlSeconds * 1000,
              this.options.haWindowSeconds,
              storm.threshold,
              storm.detectionWindowSeconds,
              storm.holdSeconds,
              storm.resourceCap,
              batch.truncated?.get(stormPart) ?? 0,
              this.stormTtlMs(),
              meta,
              shared,
              this.options.retryHorizonSeconds * 1000,
              storm.inactivitySeconds,
              storm.maxWindowSeconds,
              this.options.statusWriteIntervalSeconds,
              ...group.flatMap((signal) => [signal.status === 'firing' ? 'f' : 'r', deliveryHash(signal.deliveryKey), ...memberArgs(tenant, signal, storm.scope)]),
            ),
          );
          const parsed = observeReplySchema.safeParse(reply);
          if (!parsed.success || parsed.data[1].length !== group.length) {
            throw new RedisProtocolError(`unexpected episode observe reply: ${JSON.stringify(reply)}`);
          }
          parsed.data[1].forEach(([kind, episodeStart, occurrenceCount, flags], position) => {
            results[indexes[position] as number] = {
              kind,
              episodeStart,
              occurrenceCount,
              statusWriteDue: (flags & observeFlags.statusWriteDue) !== 0,
              noRecord: (flags & observeFlags.noRecord) !== 0,
            };
          });
          touches.push(...toTouch(stormPart, parsed.data[0]));
        }
        return touches;
      }),
    );
    return { results, storms: storms.flat() };
  }

  /** After the hold: held signals join a storm that formed meanwhile, or are released to get their own request. */
  async resolveHeld(tenant: string, signals: readonly Signal[], now: number): Promise<{ results: HeldResolution[]; storms: StormTouch[] }> {
    const results = new Array<HeldResolution>(signals.length);
    const storm = this.options.storm;
    const storms = await Promise.all(
      groupByStorm(signals, (signal) => signal.fingerprint).map(async ([stormPart, groupIndexes]) => {
        const keys = stormKeys(tenant, stormPart);
        const touches: StormTouch[] = [];
        for (const indexes of scriptCalls(groupIndexes)) {
          const batch = indexes.map((index) => signals[index] as Signal);
          const allKeys = [keys.detection, keys.storm, keys.overflow, keys.bloom, keys.detection, ...batch.map((signal) => episodeKey(tenant, signal.fingerprint))];
          const reply = await callRedis('episode resolve held', () =>
            this.redis.sgEpisodeResolveHeld(
              allKeys.length,
              ...allKeys,
              now,
              storm.resourceCap,
              this.stormTtlMs(),
              this.options.statusWriteIntervalSeconds,
              storm.inactivitySeconds,
              storm.maxWindowSeconds,
              this.options.idleTtlSeconds,
              ...batch.flatMap((signal) => memberArgs(tenant, signal, storm.scope)),
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
          touches.push(...toTouch(stormPart, parsed.data[0]));
        }
        return touches;
      }),
    );
    return { results, storms: storms.flat() };
  }

  private stormTtlMs(): number {
    return (this.options.idleTtlSeconds + stormTtlSlackSeconds) * 1000;
  }

  /**
   * The episode's request exists: `adopted` when an existing request (found after lost state) was taken
   * instead of creating one. Returns what its status must show, or undefined when the episode is gone.
   */
  async confirm(
    tenant: string,
    fingerprint: string,
    episodeStart: number,
    adopted?: { readonly episodeStart: number; readonly resolved: boolean },
  ): Promise<ConfirmedEpisode | undefined> {
    const reply = await callRedis('episode confirm', () =>
      this.redis.sgEpisodeConfirm(1, episodeKey(tenant, fingerprint), episodeStart, adopted?.episodeStart ?? 0, adopted?.resolved ? 1 : 0, this.options.closedTtlSeconds * 1000),
    );
    const parsed = confirmReplySchema.safeParse(reply);
    if (!parsed.success) throw new RedisProtocolError(`unexpected episode confirm reply: ${JSON.stringify(reply)}`);
    if (parsed.data.length === 0) return undefined;
    const [state, start, occurrenceCount, lastSeen] = parsed.data;
    return { state, episodeStart: start, occurrenceCount, lastSeen };
  }

  /**
   * Withholds the request of the episode starting at `episodeStart` for `reason` (remediation-gate.ts) and
   * keeps the signal `keepSeconds` for the sweep's next look. `ended`: it resolved first (nothing is owed).
   */
  async withhold(tenant: string, signal: Signal, episodeStart: number, reason: WithholdReason, keepSeconds: number): Promise<'withheld' | 'ended' | 'gone'> {
    const reply = await callRedis('episode withhold', () =>
      this.redis.sgEpisodeWithhold(
        2,
        episodeKey(tenant, signal.fingerprint),
        withheldSignalKey(tenant, signal.fingerprint),
        episodeStart,
        episodeOutcomes[reason],
        JSON.stringify(signal),
        Math.max(1, Math.ceil(keepSeconds)) * 1000,
      ),
    );
    if (reply === 'withheld' || reply === 'ended' || reply === 'gone') return reply;
    throw new RedisProtocolError(`unexpected episode withhold reply: ${JSON.stringify(reply)}`);
  }

  /** The signal of a withheld episode, as dedup kept it; undefined when gone or unreadable. */
  async withheldSignal(tenant: string, fingerprint: string): Promise<Signal | undefined> {
    const raw = await callRedis('withheld signal read', () => this.redis.get(withheldSignalKey(tenant, fingerprint)));
    const signal = raw === null ? undefined : parseJsonAs(signalSchema, raw);
    return signal?.fingerprint === fingerprint ? signal : undefined;
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
