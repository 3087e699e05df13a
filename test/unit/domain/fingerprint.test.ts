import { describe, expect, it } from '@jest/globals';
import { fingerprintKeyDigest, resourceFingerprint, stormKeyDigest } from '../../../lib/domain/fingerprint.js';

const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' };

describe('resourceFingerprint', () => {
  it('is 32 lowercase hex chars and stable', () => {
    const fingerprint = resourceFingerprint('KubePodCrashLooping', pod);
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(resourceFingerprint('KubePodCrashLooping', { ...pod })).toBe(fingerprint);
  });

  it('ignores apiVersion but distinguishes alertname, namespace, kind and name', () => {
    const base = resourceFingerprint('A', pod);
    expect(resourceFingerprint('A', { ...pod, apiVersion: 'v2' })).toBe(base);
    expect(
      new Set([
        base,
        resourceFingerprint('B', pod),
        resourceFingerprint('A', { ...pod, namespace: 'other' }),
        resourceFingerprint('A', { ...pod, kind: 'Deployment' }),
        resourceFingerprint('A', { ...pod, name: 'web-2' }),
      ]).size,
    ).toBe(5);
  });

  it('cannot be forged by moving text between parts', () => {
    expect(resourceFingerprint('a', { kind: 'Pod', name: 'bc', namespace: 'x' })).not.toBe(
      resourceFingerprint('ab', { kind: 'Pod', name: 'c', namespace: 'x' }),
    );
  });
});

describe('key digests', () => {
  it('shortens a fingerprint to 16 base64url chars', () => {
    expect(fingerprintKeyDigest('0123456789abcdef0123456789abcdef')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('gives storm tags of 8 chars without braces, scoped by tenant', () => {
    const tag = stormKeyDigest('default', 'KubePodCrashLooping', 'shop');
    expect(tag).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(stormKeyDigest('other', 'KubePodCrashLooping', 'shop')).not.toBe(tag);
    expect(stormKeyDigest('default', 'KubePodCrashLooping', undefined)).not.toBe(tag);
  });
});
