import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { InvalidInputError } from '../errors.js';
import type { KeyFamily } from './key-inventory.js';

/**
 * `stormgate memory --project N`: what N alerts/minute keep in Redis, from the bytes per key measured in a
 * sample (MEMORY USAGE of the keys a Redis holds) times the keys that rate keeps alive under the TTLs
 * (docs/LIFECYCLE.md, lib/redis/keys.ts). Pure arithmetic: no I/O.
 *
 * What each part is per, and how long it lives:
 *   episode    one record per distinct fingerprint, kept DEDUP_IDLE_TTL_SECONDS after its last alert
 *              (DEDUP_CLOSED_TTL_SECONDS once closed): the longer of the two
 *   batch      one marker per notification and storm key, kept DEDUP_RETRY_HORIZON_SECONDS; one alert per
 *              notification is assumed (the most markers a rate can make)
 *   detection  a storm key's detection window (ZSET), kept STORM_DETECTION_WINDOW_SECONDS after a new
 *              fingerprint; one per new fingerprint is assumed (the most)
 *   storm      a storm episode's keys (hash, membership filter, overflow HLL), counted per storm; kept as
 *              long as an episode record
 *   fixed      due index buckets, rate budgets, the Kubernetes health key: as measured (they do not grow
 *              with the rate)
 * MEMORY USAGE leaves out what Redis spends per key in its own tables (the expires entry, the hash
 * buckets): `tables` adds `tableBytesPerKey` for every projected key.
 */
export type ProjectedPart = 'episode' | 'batch' | 'detection' | 'storm' | 'fixed';
export const projectedParts: readonly ProjectedPart[] = ['episode', 'batch', 'detection', 'storm', 'fixed'];

/**
 * Redis's own bytes per key beyond MEMORY USAGE, measured on Redis 7.0.15 here: 100,000 keys of 13 bytes
 * with a 12-byte value and a TTL grew used_memory by 134 B each, MEMORY USAGE says 72 B. (BENCHMARKS.md's
 * soak agrees: 79.8 MB used for 43.6 MB of MEMORY USAGE over 564,230 keys, 64 B a key.)
 */
export const referenceTableBytesPerKey = 62;

/** One key of a sample: its family (lib/redis/key-inventory.ts), its name read as latin1, MEMORY USAGE. */
export interface MeasuredKey {
  readonly family: KeyFamily;
  readonly key: string;
  readonly bytes: number;
}

/** Per part: how many units (fingerprints, notifications, storms) the sample holds, in how many keys and bytes. */
export interface PartSample {
  readonly units: number;
  readonly keys: number;
  readonly bytes: number;
}
export type Sample = Readonly<Record<ProjectedPart, PartSample>>;

/** The part a key belongs to and the unit it counts towards (a storm's keys share their tag and digest). */
function unitOf({ family, key }: MeasuredKey): [ProjectedPart, string] {
  if (family === 'episode' || family === 'batch') return [family, key];
  if (family === 'storm') {
    // sg:{<tag 2>}<kind><6 bytes>: d is the detection window, w o b one storm episode.
    return key[7] === 'd' ? ['detection', key] : ['storm', key.slice(0, 7) + key.slice(8)];
  }
  return ['fixed', 'fixed'];
}

export function sampleOf(keys: Iterable<MeasuredKey>): Sample {
  const units = new Map<ProjectedPart, Set<string>>(projectedParts.map((part) => [part, new Set()]));
  const totals = new Map<ProjectedPart, { keys: number; bytes: number }>(projectedParts.map((part) => [part, { keys: 0, bytes: 0 }]));
  for (const measured of keys) {
    const [part, unit] = unitOf(measured);
    units.get(part)?.add(unit);
    const total = totals.get(part);
    if (total) {
      total.keys += 1;
      total.bytes += measured.bytes;
    }
  }
  const partOf = (part: ProjectedPart): PartSample => ({ units: units.get(part)?.size ?? 0, keys: totals.get(part)?.keys ?? 0, bytes: totals.get(part)?.bytes ?? 0 });
  return { episode: partOf('episode'), batch: partOf('batch'), detection: partOf('detection'), storm: partOf('storm'), fixed: partOf('fixed') };
}

export interface Load {
  readonly alertsPerMinute: number;
  /** Distinct fingerprints a day that get their own episode record (storm members have none). */
  readonly distinctPerDay: number;
  readonly stormsPerDay: number;
  /** True when distinctPerDay was not given: every alert a new fingerprint, the most a rate can make. */
  readonly distinctAssumed: boolean;
}

const count = (flag: string, minimum: 0 | 1) =>
  z.pipe(
    z.string().check(z.regex(minimum === 1 ? /^[1-9]\d{0,11}$/ : /^\d{1,12}$/, `${flag} takes a whole number${minimum === 1 ? ' above 0' : ''}`)),
    z.transform(Number),
  );

const loadSchema = z
  .object({ project: count('--project', 1), distinct: z.optional(count('--distinct', 1)), storms: z.optional(count('--storms', 0)) })
  .check(
    z.refine((load) => (load.distinct ?? 0) <= load.project * 1440, { message: '--distinct cannot exceed the alerts of a day (--project × 1440)', path: ['distinct'] }),
    z.refine((load) => (load.storms ?? 0) <= load.project * 1440, { message: '--storms cannot exceed the alerts of a day (--project × 1440)', path: ['storms'] }),
  );

/** --project, --distinct, --storms as given on the command line; throws with the reason when they are not a load. */
export function parseLoad(flags: { project?: unknown; distinct?: unknown; storms?: unknown }): Load {
  const parsed = loadSchema.safeParse(flags);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((issue) => issue.message).join('; '), String(parsed.error.issues[0]?.path[0] ?? 'project'));
  const { project, distinct, storms } = parsed.data;
  return { alertsPerMinute: project, distinctPerDay: distinct ?? project * 1440, stormsPerDay: storms ?? 0, distinctAssumed: distinct === undefined };
}

export interface Lifetimes {
  readonly idleTtlSeconds: number;
  readonly closedTtlSeconds: number;
  readonly retryHorizonSeconds: number;
  readonly detectionWindowSeconds: number;
}

export interface ProjectedRow {
  readonly part: ProjectedPart;
  /** How long one unit lives, in seconds (undefined for the fixed keys). */
  readonly lifetimeSeconds: number | undefined;
  /** Units the load keeps alive. */
  readonly units: number;
  /** Measured bytes per unit; undefined when the sample holds none (then the row is missing). */
  readonly bytesPerUnit: number | undefined;
  readonly keys: number;
  readonly bytes: number;
}

export interface Projection {
  readonly load: Load;
  /** What was measured, that the rows multiply. */
  readonly sample: Sample;
  readonly rows: readonly ProjectedRow[];
  /** Parts the load needs that the sample holds none of: left out of the total. */
  readonly missing: readonly ProjectedPart[];
  readonly tableBytesPerKey: number;
  readonly keys: number;
  /** MEMORY USAGE of the projected keys, plus Redis's tables for them. */
  readonly bytes: number;
}

const day = 86_400;

/** How many units of each part `load` keeps alive: arrivals per second times lifetime, rounded up. */
export function liveUnits(load: Load, lifetimes: Lifetimes): Record<Exclude<ProjectedPart, 'fixed'>, { units: number; lifetimeSeconds: number }> {
  const record = Math.max(lifetimes.idleTtlSeconds, lifetimes.closedTtlSeconds);
  const live = (perDay: number, lifetimeSeconds: number) => ({ units: Math.ceil((perDay * lifetimeSeconds) / day), lifetimeSeconds });
  return {
    episode: live(load.distinctPerDay, record),
    batch: live(load.alertsPerMinute * 1440, lifetimes.retryHorizonSeconds),
    detection: live(load.distinctPerDay, lifetimes.detectionWindowSeconds),
    storm: live(load.stormsPerDay, record),
  };
}

/** The projection, or undefined when the sample holds no stormgate key at all (nothing was measured). */
export function projectMemory(sample: Sample, load: Load, lifetimes: Lifetimes, tableBytesPerKey = referenceTableBytesPerKey): Projection | undefined {
  if (projectedParts.every((part) => sample[part].keys === 0)) return undefined;
  const live = liveUnits(load, lifetimes);
  const rows: ProjectedRow[] = (['episode', 'batch', 'detection', 'storm'] as const).map((part) => {
    const measured = sample[part];
    const { units, lifetimeSeconds } = live[part];
    if (measured.units === 0) return { part, lifetimeSeconds, units, bytesPerUnit: undefined, keys: 0, bytes: 0 };
    return {
      part,
      lifetimeSeconds,
      units,
      bytesPerUnit: measured.bytes / measured.units,
      keys: Math.round((units * measured.keys) / measured.units),
      bytes: Math.round((units * measured.bytes) / measured.units),
    };
  });
  const fixed = sample.fixed;
  rows.push({ part: 'fixed', lifetimeSeconds: undefined, units: 1, bytesPerUnit: fixed.bytes, keys: fixed.keys, bytes: fixed.bytes });
  const keys = rows.reduce((sum, row) => sum + row.keys, 0);
  return {
    load,
    sample,
    rows,
    missing: rows.filter((row) => row.bytesPerUnit === undefined && row.units > 0).map((row) => row.part),
    tableBytesPerKey,
    keys,
    bytes: rows.reduce((sum, row) => sum + row.bytes, 0) + keys * tableBytesPerKey,
  };
}
