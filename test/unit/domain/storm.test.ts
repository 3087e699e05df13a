import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decideStatusFlush, parseStatusFlushMember, statusFlushMember } from '../../../lib/domain/status-flush.js';
import {
  parseStormWindowMember,
  pinningGroupLabels,
  resourceFromLabel,
  resourceLabel,
  sharedLabels,
  stormRequestFingerprint,
  stormWindowMember,
  truncatedStormParts,
} from '../../../lib/domain/storm.js';
import { signalsOf } from '../../support/builders/webhook.js';

describe('storm windows', () => {
  it('marks only the storm key that a truncated group pins (alertname and namespace in its group labels)', () => {
    const signals = signalsOf({ labels: { namespace: 'shop', pod: 'a' } }, { labels: { namespace: 'payments', pod: 'b' } });
    const [shop, payments] = signals.map((signal) => signal.fingerprint.slice(0, 12));
    const pinned = truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'shop' }, 40, 'namespace');
    expect([...pinned]).toEqual([[shop, 40]]);
    expect(pinned.has(payments as string)).toBe(false);
    // A group by alertname alone spans namespaces: its truncation does not say which one stormed.
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping' }, 40, 'namespace').size).toBe(0);
    // Cluster scope: the alertname pins the one storm key.
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping' }, 40, 'cluster').size).toBeGreaterThan(0);
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'shop' }, 0, 'namespace').size).toBe(0);
  });

  it('lists resources without the implied namespace, and reads them back', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' };
    expect(resourceLabel(pod, 'namespace')).toBe('Pod/web-1');
    expect(resourceFromLabel('Pod/web-1', 'shop')).toStrictEqual({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    // Without a storm namespace (cluster scope) a two-part label has no namespace: not even an undefined one.
    expect(resourceFromLabel('Pod/web-1', undefined)).toStrictEqual({ kind: 'Pod', name: 'web-1' });
    // A cluster-scoped kind never takes the storm's namespace.
    expect(resourceFromLabel('Node/ip-10-0-0-1', 'shop')).toStrictEqual({ kind: 'Node', name: 'ip-10-0-0-1' });
    // A label of one part (a resource without a name) reads as an empty name, not as undefined.
    expect(resourceFromLabel('Pod', 'shop')).toStrictEqual({ kind: 'Pod', name: '', namespace: 'shop' });
    // A label stored before '/' was escaped: the rest of it is the name.
    expect(resourceFromLabel('Pod/shop/a/b', 'shop')).toStrictEqual({ kind: 'Pod', namespace: 'shop', name: 'a/b' });
    expect(resourceLabel(pod, 'cluster')).toBe('Pod/shop/web-1');
    expect(resourceFromLabel('Pod/shop/web-1', undefined)).toEqual({ kind: 'Pod', name: 'web-1', namespace: 'shop' });
    expect(resourceFromLabel('Node/ip-10-0-0-1', undefined)).toEqual({ kind: 'Node', name: 'ip-10-0-0-1' });
  });

  it('keeps a resource in its storm namespace whatever separators its name holds (a label value is data)', () => {
    const hostile = { apiVersion: 'v1', kind: 'Pod', name: 'kube-system/coredns-abc', namespace: 'payments' };
    expect(resourceFromLabel(resourceLabel(hostile, 'namespace'), 'payments')).toEqual({ kind: 'Pod', name: 'kube-system/coredns-abc', namespace: 'payments' });
    expect(resourceFromLabel(resourceLabel(hostile, 'cluster'), undefined)).toEqual({ kind: 'Pod', name: 'kube-system/coredns-abc', namespace: 'payments' });
    // A label stored before '/' was escaped keeps the whole name.
    expect(resourceFromLabel('Pod/payments/kube-system/coredns-abc', undefined)).toEqual({ kind: 'Pod', namespace: 'payments', name: 'kube-system/coredns-abc' });
    // Cluster-scoped kinds never take the storm's namespace.
    expect(resourceFromLabel(resourceLabel({ kind: 'Node', name: 'ip-1' }, 'namespace'), 'payments')).toEqual({ kind: 'Node', name: 'ip-1' });
    const part = fc.string({ unit: fc.constantFrom('a', '/', '%', '2', 'F', '5', '.', 'é'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom('Pod', 'Deployment', 'StatefulSet'), part, part, (kind, namespace, name) => {
        const target = { kind, name, namespace };
        expect(resourceFromLabel(resourceLabel(target, 'cluster'), undefined)).toEqual(target);
        expect(resourceFromLabel(resourceLabel(target, 'namespace'), namespace)).toEqual(target);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('keeps only the labels every signal shares', () => {
    const signals = signalsOf({ labels: { pod: 'a', team: 'x' } }, { labels: { pod: 'b', team: 'x' } });
    expect(sharedLabels(signals)).toEqual(expect.objectContaining({ alertname: 'KubePodCrashLooping', team: 'x' }));
    expect(sharedLabels(signals)).not.toHaveProperty('pod');
    expect(sharedLabels([])).toEqual({});
    // Shared by every signal, not by some: the first and second agree on `team`, the third does not.
    const three = signalsOf({ labels: { pod: 'a', team: 'x' } }, { labels: { pod: 'b', team: 'x' } }, { labels: { pod: 'c', team: 'y' } });
    expect(sharedLabels(three)).not.toHaveProperty('team');
  });

  it('keeps of the group labels only those that can pin a storm key, fitted to the CRD limits', () => {
    expect(pinningGroupLabels({ alertname: 'DiskFull', namespace: 'shop', exported_namespace: 'tenant', pod: 'db-0', job: 'node' })).toStrictEqual({
      alertname: 'DiskFull',
      namespace: 'shop',
      exported_namespace: 'tenant',
    });
    expect(pinningGroupLabels({ pod: 'db-0' })).toStrictEqual({});
    const long = pinningGroupLabels({ namespace: 'n'.repeat(64) }).namespace ?? '';
    expect([...long]).toHaveLength(63);
    expect(long).toMatch(/…[0-9a-f]{8}$/);
  });

  it('marks a truncated group only when its labels pin both the alertname and the namespace of the signal', () => {
    const signals = signalsOf({ labels: { namespace: 'shop', pod: 'a' } });
    const expected = [[signals[0]?.fingerprint.slice(0, 12), 7]];
    expect([...truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'shop' }, 7, 'namespace')]).toEqual(expected);
    expect([...truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', exported_namespace: 'shop', namespace: 'monitoring' }, 7, 'namespace')]).toEqual(expected);
    expect(truncatedStormParts(signals, { alertname: 'OtherAlert', namespace: 'shop' }, 7, 'namespace').size).toBe(0);
    expect(truncatedStormParts(signals, { namespace: 'shop' }, 7, 'namespace').size).toBe(0);
    expect(truncatedStormParts(signals, { namespace: 'shop' }, 7, 'cluster').size).toBe(0);
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'payments' }, 7, 'namespace').size).toBe(0);
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'shop' }, 1, 'namespace').size).toBe(1);
    expect(truncatedStormParts(signals, { alertname: 'KubePodCrashLooping', namespace: 'shop' }, -1, 'namespace').size).toBe(0);
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
    // Whole members only: nothing before or after.
    expect(parseStormWindowMember('xw|team-a|abcdef012345')).toBeUndefined();
    expect(parseStormWindowMember('w|team-a|abcdef0123456')).toBeUndefined();
    expect(parseStatusFlushMember(`xs|default|${'f'.repeat(32)}`)).toBeUndefined();
    expect(parseStatusFlushMember(`s|default|${'f'.repeat(33)}`)).toBeUndefined();
    expect(parseStatusFlushMember('s|default|not-hex')).toBeUndefined();
  });
});

describe('decideStatusFlush', () => {
  it('drops a held or an unconfirmed episode: its creation path writes the counts when it completes', () => {
    const open = { state: 'open' as const, confirmed: true, statusDirty: true };
    expect(decideStatusFlush(open)).toEqual({ action: 'write', reason: 'occurrences-not-yet-in-status' });
    expect(decideStatusFlush({ ...open, state: 'held' })).toEqual({ action: 'drop', reason: 'request-not-confirmed' });
    expect(decideStatusFlush({ ...open, confirmed: false })).toEqual({ action: 'drop', reason: 'request-not-confirmed' });
  });

  it.each([
    [undefined, 'drop', 'episode-gone'],
    [{ state: 'resolved', confirmed: true, statusDirty: true }, 'drop', 'episode-closed'],
    [{ state: 'ended', confirmed: false, statusDirty: true }, 'drop', 'episode-closed'],
    [{ state: 'held', confirmed: false, statusDirty: true }, 'drop', 'request-not-confirmed'],
    [{ state: 'open', confirmed: false, statusDirty: true }, 'drop', 'request-not-confirmed'],
    [{ state: 'open', confirmed: true, statusDirty: false }, 'drop', 'status-current'],
    [{ state: 'open', confirmed: true, statusDirty: true }, 'write', 'occurrences-not-yet-in-status'],
  ] as const)('%j → %s (%s)', (record, action, reason) => {
    expect(decideStatusFlush(record)).toEqual({ action, reason });
  });
});
