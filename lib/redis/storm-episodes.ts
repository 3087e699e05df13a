import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { fingerprintKeyDigest } from '../domain/fingerprint.js';
import { stormPartOf, type StormSnapshot, stormTriggers } from '../domain/storm.js';
import { RedisProtocolError } from '../errors.js';
import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';
import { stormKeys } from './keys.js';

const numberField = z.pipe(z.coerce.number(), z.int().check(z.nonnegative()));

function parseSnapshot(flat: readonly unknown[]): StormSnapshot {
  const fields = new Map<string, string>();
  const resources: string[] = [];
  // Entries, then fromEntries: a `__proto__` label stays a label (assignment would set the prototype).
  const labelEntries: [string, string][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const name = String(flat[index]);
    const value = String(flat[index + 1]);
    if (name.startsWith('#')) resources.push(value);
    else if (name.startsWith('_L')) labelEntries.push([name.slice(2), value]);
    else fields.set(name, value);
  }
  const labels: Record<string, string> = Object.fromEntries(labelEntries);
  const trigger = stormTriggers[Number(fields.get('_t')) as keyof typeof stormTriggers];
  const numbers = ['_s', '_l', '_w', '_a', '_m', '_f', '_r', '_X', '_v'].map((name) => numberField.safeParse(fields.get(name)));
  if (trigger === undefined || numbers.some((parsed) => !parsed.success)) {
    throw new RedisProtocolError('unexpected storm episode record');
  }
  const [start, lastNewResource, lastSeen, alertCount, members, firing, resolved, beyond, version] = numbers.map((parsed) => parsed.data as number) as [
    number, number, number, number, number, number, number, number, number,
  ];
  const adopted = numberField.safeParse(fields.get('_k'));
  return {
    start,
    requestStart: adopted.success ? adopted.data : start,
    lastNewResource,
    lastSeen,
    alertCount,
    members,
    firing,
    resolved,
    trigger,
    alertname: fields.get('_A') ?? labels.alertname ?? 'unknown',
    ...(fields.has('_N') && { namespace: fields.get('_N') }),
    severity: fields.get('_V') ?? 'unknown',
    commonLabels: labels,
    resources: resources.sort(),
    resourcesBeyondCap: beyond,
    ended: fields.get('_E') === '1',
    version,
  };
}

export interface StormEpisodeLimits {
  readonly inactivitySeconds: number;
  readonly maxWindowSeconds: number;
  readonly idleTtlSeconds: number;
  readonly closedTtlSeconds: number;
  readonly statusWriteIntervalSeconds: number;
}

/**
 * What the sweep has to do for a storm episode; `previous`: the request start of an earlier storm episode
 * of the key whose Resolved is still to be shown (0: none).
 */
export type StormDue = { readonly previous: number } & (
  | { kind: 'none' }
  | { kind: 'not-due'; dueAt: number }
  | { kind: 'create'; storm: StormSnapshot }
  | { kind: 'write'; storm: StormSnapshot }
);

export type StormWritten = { kind: 'done' } | { kind: 'again' | 'idle'; dueAt: number };

function parseDue(reply: unknown): StormDue {
  if (!Array.isArray(reply) || reply.length === 0) throw new RedisProtocolError(`unexpected storm due reply: ${JSON.stringify(reply)}`);
  const [kind, previousRaw, ...rest] = reply as unknown[];
  const previous = Number(previousRaw);
  if (!Number.isInteger(previous)) throw new RedisProtocolError(`unexpected storm due reply: ${JSON.stringify(reply)}`);
  if (kind === 'none') return { kind, previous };
  if (kind === 'not-due') return { kind, previous, dueAt: Number(rest[0]) };
  if (kind === 'create' || kind === 'write') return { kind, previous, storm: parseSnapshot(rest) };
  throw new RedisProtocolError(`unexpected storm due reply: ${JSON.stringify(reply)}`);
}

/** Storm episodes as the sweep drives them (close the window, write the status, end), and as receipts read them. */
export class StormEpisodes {
  constructor(
    private readonly redis: RedisClient,
    private readonly limits: StormEpisodeLimits,
  ) {}

  /** What is due for the storm episode of this storm key (claims the window for its create when it closed). */
  async due(tenant: string, stormPart: string, now: number): Promise<StormDue> {
    const keys = stormKeys(tenant, stormPart);
    return parseDue(
      await callRedis('storm due', () =>
        this.redis.sgStormDue(3, keys.storm, keys.overflow, keys.bloom, now, this.limits.inactivitySeconds, this.limits.maxWindowSeconds, this.limits.idleTtlSeconds),
      ),
    );
  }

  /** The aggregated request exists (or an open one was adopted): the state its status must show now. */
  async created(tenant: string, stormPart: string, start: number, adoptedStart = 0): Promise<StormSnapshot | undefined> {
    const keys = stormKeys(tenant, stormPart);
    const reply = await callRedis('storm created', () => this.redis.sgStormCreated(2, keys.storm, keys.overflow, start, adoptedStart));
    if (Array.isArray(reply) && reply.length === 0) return undefined;
    const due = parseDue(reply);
    return due.kind === 'write' ? due.storm : undefined;
  }

  /** The status now shows `version` of the storm episode that started at `start`. */
  async statusWritten(tenant: string, stormPart: string, start: number, version: number, now: number): Promise<StormWritten> {
    const keys = stormKeys(tenant, stormPart);
    const reply = await callRedis('storm status written', () =>
      this.redis.sgStormStatusWritten(
        3,
        keys.storm,
        keys.overflow,
        keys.bloom,
        start,
        version,
        this.limits.closedTtlSeconds * 1000,
        this.limits.idleTtlSeconds,
        this.limits.statusWriteIntervalSeconds,
        now,
      ),
    );
    const parsed = z.union([z.tuple([z.literal('done')]), z.tuple([z.enum(['again', 'idle']), z.number()])]).safeParse(reply);
    if (!parsed.success) throw new RedisProtocolError(`unexpected storm status-written reply: ${JSON.stringify(reply)}`);
    return parsed.data[0] === 'done' ? { kind: 'done' } : { kind: parsed.data[0], dueAt: parsed.data[1] };
  }

  /** The previous storm episode's request shows Resolved now. */
  async previousShown(tenant: string, stormPart: string, previous: number): Promise<void> {
    await callRedis('storm previous shown', () => this.redis.sgStormPreviousShown(1, stormKeys(tenant, stormPart).storm, previous));
  }

  /** The storm episode that lists this signal's resource, if any; `start` names its request. */
  async episodeOf(tenant: string, fingerprint: string): Promise<{ start: number; state: 'collecting' | 'open' | 'resolved' } | undefined> {
    const keys = stormKeys(tenant, stormPartOf(fingerprint));
    const member = Buffer.concat([Buffer.from('#'), fingerprintKeyDigest(tenant, fingerprint)]);
    const [listed, start, adopted, phase, ended] = await callRedis('storm lookup', () => this.redis.hmget(keys.storm, member, '_s', '_k', '_p', '_E'));
    if (listed === null || start === null) return undefined;
    return { start: Number(adopted ?? start), state: ended === '1' ? 'resolved' : phase === 'o' ? 'open' : 'collecting' };
  }
}
