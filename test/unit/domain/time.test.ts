import { describe, expect, it } from '@jest/globals';
import { isoSeconds, unixSeconds } from '../../../lib/domain/time.js';

describe('whole-second time', () => {
  it('reads any RFC 3339 timestamp as whole unix seconds, rounding fractions down', () => {
    expect(unixSeconds('2026-11-21T10:00:00Z')).toBe(1_795_255_200);
    expect(unixSeconds('2026-11-21T10:00:00.999Z')).toBe(1_795_255_200);
    expect(unixSeconds('2026-11-21T11:00:00+01:00')).toBe(1_795_255_200);
  });

  it('clamps to the uint32 range at both ends, and reads an unparseable timestamp as 0', () => {
    expect(unixSeconds('1970-01-01T00:00:00Z')).toBe(0);
    expect(unixSeconds('1969-12-31T23:59:59Z')).toBe(0);
    expect(unixSeconds('2106-02-07T06:28:15Z')).toBe(0xffffffff);
    expect(unixSeconds('2106-02-07T06:28:16Z')).toBe(0xffffffff);
    expect(unixSeconds('2106-02-07T06:28:14Z')).toBe(0xffffffff - 1);
    expect(unixSeconds('not a time')).toBe(0);
  });

  it('writes seconds without a fraction', () => {
    expect(isoSeconds(1_795_255_200)).toBe('2026-11-21T10:00:00Z');
  });
});
