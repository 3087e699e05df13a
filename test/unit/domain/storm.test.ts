import { describe, expect, it } from '@jest/globals';
import { decideStatusFlush, parseStatusFlushMember, statusFlushMember } from '../../../lib/domain/status-flush.js';
import {
  parseStormWindowMember,
  resourceFromLabel,
  resourceLabel,
  sharedLabels,
  stormRequestFingerprint,
  stormWindowMember,
  windowDueAt,
} from '../../../lib/domain/storm.js';
import { signalsOf } from '../../support/builders/webhook.js';

describe('storm windows', () => {
  const limits = { inactivitySeconds: 60, maxWindowSeconds: 300 };

  it.each([
    ['closes after inactivity', 1_000, 1_010, 1_070],
    ['keeps a busy window open until its maximum length', 1_000, 1_290, 1_300],
    ['never past the maximum length', 1_000, 1_400, 1_300],
  ])('%s', (_case, start, lastNew, expected) => {
    expect(windowDueAt(start, lastNew, limits)).toBe(expected);
  });

  it('lists resources without the implied namespace, and reads them back', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' };
    expect(resourceLabel(pod, 'namespace')).toBe('Pod/web-1');
    expect(resourceFromLabel('Pod/web-1', 'shop')).toEqual({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    expect(resourceLabel(pod, 'cluster')).toBe('Pod/shop/web-1');
    expect(resourceFromLabel('Pod/shop/web-1', undefined)).toEqual({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    expect(resourceFromLabel('Node/ip-10-0-0-1', undefined)).toEqual({ kind: 'Node', name: 'ip-10-0-0-1' });
  });

  it('keeps only the labels every signal shares', () => {
    const signals = signalsOf({ labels: { pod: 'a', team: 'x' } }, { labels: { pod: 'b', team: 'x' } });
    expect(sharedLabels(signals)).toEqual(expect.objectContaining({ alertname: 'KubePodCrashLooping', team: 'x' }));
    expect(sharedLabels(signals)).not.toHaveProperty('pod');
    expect(sharedLabels([])).toEqual({});
  });

  it('gives each tenant and storm key its own 32-hex request fingerprint', () => {
    const fingerprint = stormRequestFingerprint('default', 'abcdef012345');
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(stormRequestFingerprint('other', 'abcdef012345')).not.toBe(fingerprint);
  });

  it('round-trips due members and refuses foreign ones', () => {
    expect(parseStormWindowMember(stormWindowMember('team-a', 'abcdef012345'))).toEqual({ tenant: 'team-a', stormPart: 'abcdef012345' });
    expect(parseStatusFlushMember(statusFlushMember('default', 'f'.repeat(32)))).toEqual({ tenant: 'default', fingerprint: 'f'.repeat(32) });
    expect(parseStormWindowMember('w|Bad Tenant|abcdef012345')).toBeUndefined();
    expect(parseStatusFlushMember('s|default|not-hex')).toBeUndefined();
  });
});

describe('decideStatusFlush', () => {
  it.each([
    [undefined, 'drop', 'episode-gone'],
    [{ state: 'closed', statusDirty: true }, 'drop', 'episode-closed'],
    [{ state: 'held', statusDirty: true }, 'drop', 'request-not-confirmed'],
    [{ state: 'reserved', statusDirty: true }, 'drop', 'request-not-confirmed'],
    [{ state: 'created', statusDirty: false }, 'drop', 'status-current'],
    [{ state: 'created', statusDirty: true }, 'write', 'occurrences-not-yet-in-status'],
  ] as const)('%j → %s (%s)', (record, action, reason) => {
    expect(decideStatusFlush(record)).toEqual({ action, reason });
  });
});
