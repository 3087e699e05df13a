import { describe, expect, it } from '@jest/globals';
import { familyOf } from '../../../lib/redis/key-inventory.js';
import { batchMarkerKey, dueBucketKey, episodeKey, rateBudgetKey, stormKeys } from '../../../lib/redis/keys.js';
import { type Lifetimes, type Load, liveUnits, type MeasuredKey, parseLoad, projectMemory, type Sample, sampleOf } from '../../../lib/redis/memory-projection.js';

/** A key as `stormgate memory` measures it: its family by the inventory's patterns, its name as latin1. */
function measured(key: Buffer | string, bytes: number): MeasuredKey {
  const buffer = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  const family = familyOf(buffer);
  if (family === undefined) throw new Error(`not a stormgate key: ${buffer.toString('latin1')}`);
  return { family, key: buffer.toString('latin1'), bytes };
}

const fingerprint = (n: number) => n.toString(16).padStart(32, 'a');
const defaults: Lifetimes = { idleTtlSeconds: 86_400, closedTtlSeconds: 21_600, retryHorizonSeconds: 21_600, detectionWindowSeconds: 60 };
const load = (alertsPerMinute: number, distinctPerDay = alertsPerMinute * 1440, stormsPerDay = 0): Load => ({ alertsPerMinute, distinctPerDay, stormsPerDay, distinctAssumed: false });

const first = stormKeys('default', 'aaaaaaaaaaaa');
const second = stormKeys('default', 'bbbbbbbbbbbb');
const sample = sampleOf([
  measured(episodeKey('default', fingerprint(1)), 88),
  measured(episodeKey('default', fingerprint(2)), 96),
  measured(batchMarkerKey('default', 'aaaaaaaaaaaa', 'request-1', ['d1']), 56),
  measured(first.detection, 100),
  measured(first.storm, 600),
  measured(first.bloom, 16_500),
  measured(second.storm, 700),
  measured(second.bloom, 16_500),
  measured(second.overflow, 12_000),
  measured(dueBucketKey(3), 104),
  measured(rateBudgetKey('default'), 60),
  measured('sg:k', 50),
]);

describe('the sample a projection multiplies', () => {
  it("counts fingerprints, notifications, detection windows and storms (a storm's keys are one storm)", () => {
    expect(sample).toEqual({
      episode: { units: 2, keys: 2, bytes: 184 },
      batch: { units: 1, keys: 1, bytes: 56 },
      detection: { units: 1, keys: 1, bytes: 100 },
      storm: { units: 2, keys: 5, bytes: 46_300 },
      fixed: { units: 1, keys: 3, bytes: 214 },
    });
  });

  it('is empty for no keys', () => {
    expect(sampleOf([]).episode).toEqual({ units: 0, keys: 0, bytes: 0 });
  });
});

describe('the keys a rate keeps alive', () => {
  it('is arrivals a second times lifetime: a record per fingerprint for the idle TTL, a marker per alert for the retry horizon', () => {
    expect(liveUnits(load(100), defaults)).toEqual({
      episode: { units: 144_000, lifetimeSeconds: 86_400 },
      batch: { units: 36_000, lifetimeSeconds: 21_600 },
      detection: { units: 100, lifetimeSeconds: 60 },
      storm: { units: 0, lifetimeSeconds: 86_400 },
    });
  });

  it('keeps records for the longer of the idle and the closed TTL', () => {
    expect(liveUnits(load(1, 1000), { ...defaults, idleTtlSeconds: 3600, closedTtlSeconds: 7200 }).episode).toEqual({ units: 84, lifetimeSeconds: 7200 });
    expect(liveUnits(load(1, 1000), { ...defaults, idleTtlSeconds: 7200, closedTtlSeconds: 3600 }).episode).toEqual({ units: 84, lifetimeSeconds: 7200 });
    expect(liveUnits(load(1, 1000), { ...defaults, idleTtlSeconds: 7199, closedTtlSeconds: 3600 }).episode.lifetimeSeconds).toBe(7199);
  });

  it('rounds a fraction of a key up, and a whole number stays', () => {
    expect(liveUnits(load(1, 1440), defaults).detection.units).toBe(1); // 1440 × 60 / 86400 = 1
    expect(liveUnits(load(2, 1441), defaults).detection.units).toBe(2); // 1.0007
    expect(liveUnits(load(1, 1, 1), defaults).storm.units).toBe(1);
    expect(liveUnits(load(1, 1, 0), defaults).storm.units).toBe(0);
  });
});

describe('projectMemory', () => {
  it("multiplies the measured bytes per unit by the live units, and adds Redis's tables per key", () => {
    const projection = projectMemory(sample, load(10, 2000, 3), defaults, 62);
    expect(projection?.rows).toEqual([
      { part: 'episode', lifetimeSeconds: 86_400, units: 2000, bytesPerUnit: 92, keys: 2000, bytes: 184_000 },
      { part: 'batch', lifetimeSeconds: 21_600, units: 3600, bytesPerUnit: 56, keys: 3600, bytes: 201_600 },
      { part: 'detection', lifetimeSeconds: 60, units: 2, bytesPerUnit: 100, keys: 2, bytes: 200 },
      { part: 'storm', lifetimeSeconds: 86_400, units: 3, bytesPerUnit: 23_150, keys: 8, bytes: 69_450 },
      { part: 'fixed', lifetimeSeconds: undefined, units: 1, bytesPerUnit: 214, keys: 3, bytes: 214 },
    ]);
    expect(projection?.keys).toBe(2000 + 3600 + 2 + 8 + 3);
    expect(projection?.bytes).toBe(184_000 + 201_600 + 200 + 69_450 + 214 + 5613 * 62);
    expect(projection?.missing).toEqual([]);
    expect(projection?.sample).toBe(sample);
  });

  it('makes no projection without a single stormgate key, and one with a single key', () => {
    expect(projectMemory(sampleOf([]), load(100), defaults)).toBeUndefined();
    const one = projectMemory(sampleOf([measured(episodeKey('default', fingerprint(1)), 88)]), load(1, 1), defaults, 0);
    expect(one?.bytes).toBe(88);
    expect(one?.missing).toEqual(['batch', 'detection']);
  });

  it('names a part the load needs but the sample lacks, and leaves it out of the total; a part it does not need is not missing', () => {
    const withoutStorms: Sample = { ...sample, storm: { units: 0, keys: 0, bytes: 0 } };
    const none = projectMemory(withoutStorms, load(10, 2000, 0), defaults, 0);
    expect(none?.missing).toEqual([]);
    const needed = projectMemory(withoutStorms, load(10, 2000, 1), defaults, 0);
    expect(needed?.missing).toEqual(['storm']);
    expect(needed?.rows.find((row) => row.part === 'storm')).toMatchObject({ units: 1, bytesPerUnit: undefined, bytes: 0 });
    expect(needed?.bytes).toBe(none?.bytes);
  });
});

describe('parseLoad', () => {
  it('takes N alerts a minute, a whole number above 0', () => {
    expect(parseLoad({ project: '1' })).toEqual({ alertsPerMinute: 1, distinctPerDay: 1440, stormsPerDay: 0, distinctAssumed: true });
    for (const project of ['0', '-1', '1.5', '1e3', '', ' 5', 'ten']) expect(() => parseLoad({ project })).toThrow('--project takes a whole number above 0');
  });

  it('takes at most as many distinct fingerprints and storms a day as alerts', () => {
    expect(parseLoad({ project: '1', distinct: '1440', storms: '1440' })).toEqual({ alertsPerMinute: 1, distinctPerDay: 1440, stormsPerDay: 1440, distinctAssumed: false });
    expect(() => parseLoad({ project: '1', distinct: '1441' })).toThrow('--distinct cannot exceed the alerts of a day');
    expect(() => parseLoad({ project: '1', storms: '1441' })).toThrow('--storms cannot exceed the alerts of a day');
    expect(() => parseLoad({ project: '1', distinct: '0' })).toThrow('--distinct takes a whole number above 0');
    expect(parseLoad({ project: '1', storms: '0' }).stormsPerDay).toBe(0);
    expect(() => parseLoad({ project: '1', storms: '-1' })).toThrow('--storms takes a whole number');
  });
});
