import { describe, expect, it } from '@jest/globals';
import { alertDigest, deliveryKey, fingerprintKeyDigest, signalFingerprint, stormTagOf, targetKey } from '../../../lib/domain/fingerprint.js';

const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' };
const input = { tenant: 'default', alertname: 'KubePodCrashLooping', namespace: 'shop', target: pod, labels: { alertname: 'KubePodCrashLooping', pod: 'web-1' } };

describe('signalFingerprint', () => {
  it('is 32 lowercase hex chars and stable', () => {
    const fingerprint = signalFingerprint('resource', input);
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(signalFingerprint('resource', { ...input, labels: { ...input.labels, instance: 'x' } })).toBe(fingerprint);
  });

  it('resource: distinguishes alertname, namespace, kind and name but not apiVersion', () => {
    const base = signalFingerprint('resource', input);
    expect(signalFingerprint('resource', { ...input, target: { ...pod, apiVersion: 'v2' } })).toBe(base);
    const variants = [
      signalFingerprint('resource', { ...input, alertname: 'Other' }),
      signalFingerprint('resource', { ...input, target: { ...pod, namespace: 'other' } }),
      signalFingerprint('resource', { ...input, target: { ...pod, kind: 'Deployment' } }),
      signalFingerprint('resource', { ...input, target: { ...pod, name: 'web-2' } }),
    ];
    expect(new Set([base, ...variants]).size).toBe(5);
  });

  it('alert: uses the Alertmanager fingerprint, or the sorted label set without one', () => {
    const withAm = signalFingerprint('alert', { ...input, alertmanagerFingerprint: '5a1e2b3c4d5e6f70' });
    expect(signalFingerprint('alert', { ...input, labels: { other: 'x' }, alertmanagerFingerprint: '5a1e2b3c4d5e6f70' })).toBe(withAm);
    const reordered = { pod: 'web-1', alertname: 'KubePodCrashLooping' };
    expect(signalFingerprint('alert', { ...input, labels: reordered })).toBe(signalFingerprint('alert', input));
    expect(signalFingerprint('alert', { ...input, labels: { ...input.labels, instance: 'x' } })).not.toBe(signalFingerprint('alert', input));
  });

  it('cannot be forged by moving text between parts', () => {
    expect(signalFingerprint('resource', { ...input, alertname: 'a', target: { kind: 'Pod', name: 'bc', namespace: 'x' } })).not.toBe(
      signalFingerprint('resource', { ...input, alertname: 'ab', target: { kind: 'Pod', name: 'c', namespace: 'x' } }),
    );
  });
});

describe('key digests', () => {
  const fingerprint = signalFingerprint('resource', input);

  it('shortens a signal to 6 raw bytes per tenant', () => {
    expect(fingerprintKeyDigest('default', fingerprint)).toHaveLength(6);
    expect(fingerprintKeyDigest('other', fingerprint).equals(fingerprintKeyDigest('default', fingerprint))).toBe(false);
  });

  it('derives storm tags of 2 chars without braces from the fingerprint, scoped by tenant', () => {
    const tag = stormTagOf('default', fingerprint);
    expect(tag).toMatch(/^[A-Za-z0-9_-]{2}$/);
    expect(stormTagOf('default', signalFingerprint('resource', { ...input, target: { ...pod, name: 'web-2' } }))).toBe(tag);
    const tags = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((tenant) => stormTagOf(tenant, fingerprint)));
    expect(tags.size).toBeGreaterThan(1);
  });

  it('makes 11-char delivery keys', () => {
    expect(deliveryKey({ receiver: 'r', groupKey: 'g', alertFingerprint: 'f', startsAt: 's', status: 'firing' })).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });
});

/**
 * Fingerprints, tags and digests are stored: in Redis keys and in the stormgate.dev/fingerprint label of
 * every request. A change to how they are derived (a part renamed, a separator, an order) would orphan
 * every open episode and request on upgrade, so their values are pinned here.
 */
describe('derivations are stable across versions (golden values)', () => {
  const target = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' };
  // Labels in an order that is not sorted: the label-set identity must sort them.
  const input = { tenant: 'default', alertname: 'KubePodCrashLooping', namespace: 'shop', target, labels: { pod: 'web-1', alertname: 'KubePodCrashLooping', namespace: 'shop' } };
  const fingerprint = '5578b5002a68d6788091abc978e11c19';

  it('pins the fingerprint of each strategy', () => {
    expect(signalFingerprint('resource', input)).toBe(fingerprint);
    expect(signalFingerprint('alert', { ...input, alertmanagerFingerprint: 'c0ffee0123456789' })).toBe('5578b5002a6833b00a687d5a880393d8');
    expect(signalFingerprint('alert', input)).toBe('5578b5002a687bd943354cb47c6feb24');
    expect(signalFingerprint('alert', { ...input, labels: { namespace: 'shop', alertname: 'KubePodCrashLooping', pod: 'web-1' } })).toBe('5578b5002a687bd943354cb47c6feb24');
    expect(signalFingerprint('resource', { ...input, namespace: undefined, target: { kind: 'Node', name: 'n1' } })).toBe('e70e482866b6937fdc6f8ac154095efd');
    expect(signalFingerprint('owner', { ...input, target: { kind: 'Deployment', name: 'checkout', namespace: 'shop' } })).toBe('5578b5002a68af3f47138bd933a0cc22');
    expect(signalFingerprint('owner', { ...input, target: { kind: 'Node', name: 'ip-10-0-0-1' } })).toBe('5578b5002a68a31865a89835778dfaf9');
  });

  it('pins the target key of the stormgate.dev/target label: a workload, an object without namespace, a fallback with its alertname', () => {
    expect(targetKey('default', { kind: 'Deployment', name: 'checkout', namespace: 'shop' }, 'KubePodCrashLooping')).toBe('2102870d44a2b8fc7ca93b62592b9ac5');
    expect(targetKey('default', { kind: 'Node', name: 'ip-10-0-0-1' }, 'KubeNodeNotReady')).toBe('0091dfd42797cd541f1270e3a1ee1110');
    expect(targetKey('default', { kind: 'Namespace', name: 'shop' }, 'KubeQuotaExceeded')).toBe('8aca2f840501f7d4ded3d0d0fa8d759c');
  });

  it('pins the storm tag, the key digest and the delivery key', () => {
    expect(stormTagOf('default', fingerprint)).toBe('D0');
    expect(fingerprintKeyDigest('default', fingerprint).toString('hex')).toBe('d91233d5fc5f');
    expect(deliveryKey({ receiver: 'stormgate', groupKey: '{}:{alertname="X"}', alertFingerprint: 'c0ffee0123456789', startsAt: '2026-11-21T10:00:00Z', status: 'firing' })).toBe('vSeqyIF5WWE');
  });

  it("pins an alert's digest within its signal, from Alertmanager's fingerprint or the sorted label set, with bit 0 clear", () => {
    expect(alertDigest({ alertmanagerFingerprint: 'c0ffee0123456789', labels: { a: '1' } })).toBe(289910352);
    expect(alertDigest({ labels: { b: '2', a: '1' } })).toBe(754248916);
    expect(alertDigest({ labels: { a: '1', b: '2' } })).toBe(754248916);
    expect(alertDigest({ labels: { a: '1', b: '3' } })).not.toBe(754248916);
    for (const labels of [{ a: '1' }, { a: '2' }, { x: 'y' }, {}] as Record<string, string>[]) expect(alertDigest({ labels }) % 2).toBe(0);
  });
});
