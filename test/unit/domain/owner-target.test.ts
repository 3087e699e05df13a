import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { signalFingerprint } from '../../../lib/domain/fingerprint.js';
import { isWorkloadKind, ownerTargetOf } from '../../../lib/domain/owner-target.js';
import { alert, webhook } from '../../support/builders/webhook.js';

const inShop = (kind: string, name: string) => ({ apiVersion: 'v1', kind, name, namespace: 'shop' });

describe('ownerTargetOf (FINGERPRINT_STRATEGY=owner)', () => {
  it('puts a pod’s alerts on its owner from the pod’s name when nothing is known, noting that the API was not asked yet', () => {
    expect(ownerTargetOf(inShop('Pod', 'checkout-7d9f8b6c5-x2x4q'), undefined)).toEqual({
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', namespace: 'shop' },
      owner: { pod: 'checkout-7d9f8b6c5-x2x4q', source: 'name-pattern', reason: 'owner-not-looked-up' },
    });
    expect(ownerTargetOf(inShop('Pod', 'postgres-0'), undefined).target).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', namespace: 'shop' });
    expect(ownerTargetOf(inShop('Pod', 'backup-29432160-kz5mn'), undefined).target).toMatchObject({ kind: 'CronJob', name: 'backup' });
    // A bare pod (no generated suffix) is its own owner.
    expect(ownerTargetOf(inShop('Pod', 'debug'), undefined).target).toEqual({ apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: 'shop' });
  });

  it('uses what is known (the API’s answer, or a cached fallback with its reason) over the name', () => {
    // No reason at all (not even an undefined one) when the API answered.
    expect(ownerTargetOf(inShop('Pod', 'migrate-5tq9h'), { kind: 'Job', name: 'migrate', source: 'api' })).toStrictEqual({
      target: { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', namespace: 'shop' },
      owner: { pod: 'migrate-5tq9h', source: 'api' },
    });
    // A kind of no known apiVersion, and a pod without namespace: no undefined fields either.
    expect(ownerTargetOf(inShop('Pod', 'web-7d9f8b6c5-qq2ww'), { kind: 'Rollout', name: 'web', source: 'api' }).target).toStrictEqual({ kind: 'Rollout', name: 'web', namespace: 'shop' });
    expect(ownerTargetOf({ kind: 'Pod', name: 'web-0' }, undefined).target).toStrictEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' });
    expect(ownerTargetOf(inShop('Pod', 'checkout-7d9f8b6c5-x2x4q'), { kind: 'Deployment', name: 'checkout', source: 'name-pattern', reason: 'owner-lookup-denied' }).owner).toEqual({
      pod: 'checkout-7d9f8b6c5-x2x4q',
      source: 'name-pattern',
      reason: 'owner-lookup-denied',
    });
  });

  it('lifts a Deployment’s ReplicaSet and a CronJob’s Job by their names, on both sides of the patterns', () => {
    expect(ownerTargetOf(inShop('ReplicaSet', 'checkout-7d9f8b6c5'), undefined).target).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', namespace: 'shop' });
    // A hash is 6 to 10 characters of the generator's alphabet: 5, 11 or a vowel is no hash.
    expect(ownerTargetOf(inShop('ReplicaSet', 'checkout-7d9f8'), undefined).target).toMatchObject({ kind: 'ReplicaSet', name: 'checkout-7d9f8' });
    expect(ownerTargetOf(inShop('ReplicaSet', 'checkout-7d9f8b6c5b2'), undefined).target).toMatchObject({ kind: 'ReplicaSet' });
    expect(ownerTargetOf(inShop('ReplicaSet', 'checkout-7d9a8b'), undefined).target).toMatchObject({ kind: 'ReplicaSet' });
    expect(ownerTargetOf(inShop('Job', 'report-29432160'), undefined).target).toEqual({ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', namespace: 'shop' });
    expect(ownerTargetOf(inShop('Job', 'report-2943216'), undefined).target).toMatchObject({ kind: 'Job', name: 'report-2943216' });
    expect(ownerTargetOf(inShop('Node', 'ip-10-0-0-1'), undefined)).toEqual({ target: inShop('Node', 'ip-10-0-0-1') });
    // Only a ReplicaSet or a Job is lifted: other kinds named like them stay what they are.
    expect(ownerTargetOf(inShop('Service', 'report-29432160'), undefined)).toEqual({ target: inShop('Service', 'report-29432160') });
    expect(ownerTargetOf(inShop('Deployment', 'checkout-7d9f8b6c5'), undefined)).toEqual({ target: inShop('Deployment', 'checkout-7d9f8b6c5') });
  });

  it('knows which kinds are one workload under several names', () => {
    // Any controller the API may name is a workload: a pod's name guesses Deployment where the API says Rollout.
    expect(['Pod', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController', 'Rollout', 'CloneSet'].every(isWorkloadKind)).toBe(true);
    expect(['Node', 'Service', 'PersistentVolumeClaim', 'PersistentVolume', 'HorizontalPodAutoscaler', 'Ingress', 'Namespace', 'Cluster'].some(isWorkloadKind)).toBe(false);
  });
});

describe('owner fingerprints', () => {
  const owned = (pod: string, extra: Record<string, string> = {}) =>
    normalizeWebhook(parseWebhook(JSON.stringify(webhook([alert({ labels: { namespace: 'shop', pod, ...extra } })]))), {
      tenant: 'default',
      receivedAt: '2026-12-01T10:00:00.000Z',
      strategy: 'owner',
    })[0];

  it('makes the pods a rollout replaces one signal, and another Deployment’s pods another', () => {
    const pods = ['checkout-7d9f8b6c5-x2x4q', 'checkout-7d9f8b6c5-b8k2p', 'checkout-5c6d7f8b9-k2m4n', 'checkout-6b7c8d9f4b-zz9xx'];
    const fingerprints = new Set(pods.map((pod) => owned(pod)?.fingerprint));
    expect(fingerprints.size).toBe(1);
    expect(owned('cart-7d9f8b6c5-x2x4q')?.fingerprint).not.toBe([...fingerprints][0]);
    // The resource strategy keeps every pod apart.
    const byResource = pods.map((pod) => normalizeWebhook(parseWebhook(JSON.stringify(webhook([alert({ labels: { namespace: 'shop', pod } })]))), { tenant: 'default', receivedAt: '2026-12-01T10:00:00.000Z', strategy: 'resource' })[0]?.fingerprint);
    expect(new Set(byResource).size).toBe(pods.length);
  });

  it('is the same whichever kind names the workload (the name’s guess, the API’s answer, an alert about the Deployment itself)', () => {
    const base = { tenant: 'default', alertname: 'KubePodCrashLooping', namespace: 'shop', labels: {} };
    const asDeployment = signalFingerprint('owner', { ...base, target: inShop('Deployment', 'checkout') });
    for (const kind of ['StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'Pod', 'Rollout']) expect(signalFingerprint('owner', { ...base, target: inShop(kind, 'checkout') })).toBe(asDeployment);
    expect(signalFingerprint('owner', { ...base, target: inShop('Service', 'checkout') })).not.toBe(asDeployment);
    expect(owned('checkout-7d9f8b6c5-x2x4q')?.fingerprint).toBe(owned('checkout-7d9f8b6c5-x2x4q', { deployment: 'ignored-here' })?.fingerprint);
  });

  it('any pod Kubernetes generates for a Deployment lands on that Deployment (property)', () => {
    const generated = fc.constantFrom(...'bcdfghjklmnpqrstvwxz2456789');
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,10}){0,3}$/);
    fc.assert(
      fc.property(word, fc.array(generated, { minLength: 6, maxLength: 10 }), fc.array(generated, { minLength: 5, maxLength: 5 }), (deployment, hash, suffix) => {
        // A hash of 8+ digits reads as a CronJob's scheduled minute (lib/domain/pod-owner.ts): same owner name, another kind.
        fc.pre(!/^\d{8,}$/.test(hash.join('')));
        const signal = owned(`${deployment}-${hash.join('')}-${suffix.join('')}`);
        expect(signal?.target).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, namespace: 'shop' });
        expect(signal?.owner?.reason).toBe('owner-not-looked-up');
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});
