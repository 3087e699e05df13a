import { targetKey } from '../../../lib/domain/fingerprint.js';
import { describe, expect, it } from '@jest/globals';
import { crdLimits } from '../../../lib/domain/crd-fields.js';
import { requestJsonByteBudget } from '../../../lib/domain/request-size.js';
import type { Signal } from '../../../lib/domain/signal.js';
import type { StormSnapshot } from '../../../lib/domain/storm.js';
import { buildRemediationRequest, buildStormRemediationRequest, type RemediationRequest, stormRequestStatus } from '../../../lib/kube/remediation-request.js';

const placement = { namespace: 'stormgate', tenant: 'default' };
const bytes = (request: RemediationRequest) => Buffer.byteLength(JSON.stringify(request));
/** A character of four UTF-8 bytes: the most bytes a value of N code points can hold. */
const wide = '\u{1D7D8}';

const signal = (annotations: Record<string, string>, labels: Record<string, string> = { alertname: 'DiskFull' }): Signal => ({
  fingerprint: '0123456789abcdef0123456789abcdef',
  alertname: 'DiskFull',
  status: 'firing',
  severity: 'warning',
  source: 'alertmanager',
  target: { apiVersion: 'v1', kind: 'Pod', name: 'db-0', namespace: 'shop' },
  labels,
  annotations,
  startsAt: '2026-11-21T10:00:00Z',
  receivedAt: '2026-11-21T10:00:01Z',
  deliveryKey: 'AAAAAAAAAAA',
  groupKey: 'g',
  receiver: 'stormgate',
});

/**
 * Legal annotations (every value within the CRD's limit) that make the request's JSON exactly `target`
 * bytes when nothing is cut: wide values, then one more wide value and ASCII to the byte. Sizes are
 * measured on the request as built, so only below the budget, where the builder changes nothing.
 */
function annotationsFor(target: number): Record<string, string> {
  const annotations: Record<string, string> = {};
  const size = () => bytes(buildRemediationRequest(signal(annotations), 1, placement));
  const fullValue = wide.repeat(crdLimits.annotationValue);
  for (let index = 0; size() + Buffer.byteLength(fullValue) + 2_500 < target; index += 1) annotations[`w${index}`] = fullValue;
  annotations.nearly = '';
  annotations.nearly = wide.repeat(Math.min(crdLimits.annotationValue, Math.floor((target - size() - 2_000) / 4)));
  annotations.exact = '';
  const missing = target - size();
  // Under the budget the builder changes nothing, so the last byte is added without measuring through it.
  annotations.exact = 'x'.repeat(missing);
  if (Object.values(annotations).some((value) => [...value].length > crdLimits.annotationValue)) throw new Error('an annotation over the CRD limit: not a legal input');
  return annotations;
}

const stormOf = (commonLabels: Record<string, string>, resources: string[]): StormSnapshot => ({
  start: 1_763_720_000_000,
  requestStart: 1_763_720_000_000,
  lastNewResource: 1_763_720_030_000,
  lastSeen: 1_763_720_030_000,
  alertCount: resources.length,
  members: resources.length,
  firing: resources.length,
  resolved: 0,
  trigger: 'resources',
  alertname: 'KubePodCrashLooping',
  namespace: 'shop',
  severity: 'warning',
  commonLabels,
  resources,
  resourcesBeyondCap: 0,
  ended: false,
  version: 1,
});

describe('requests stay within what etcd stores (1.5 MiB; stormgate keeps 1 MiB of JSON)', () => {
  it('leaves a request of exactly the budget as it is, and cuts one a byte over it', () => {
    const atBudget = buildRemediationRequest(signal(annotationsFor(requestJsonByteBudget)), 1, placement);
    expect(bytes(atBudget)).toBe(requestJsonByteBudget);
    expect(atBudget.spec.signalAnnotations.w0).toBe(wide.repeat(crdLimits.annotationValue));

    const over = buildRemediationRequest(signal(annotationsFor(requestJsonByteBudget + 1)), 1, placement);
    expect(bytes(over)).toBeLessThanOrEqual(requestJsonByteBudget);
    // Cut, not dropped: the start of the value, `…`, and the hash that keeps two long values apart.
    const cut = [...(over.spec.signalAnnotations.w0 ?? '')];
    expect(cut.length).toBeLessThan(crdLimits.annotationValue);
    expect(cut.slice(0, -9).every((character) => character === wide)).toBe(true);
    expect(cut.slice(-9).join('')).toMatch(/^…[0-9a-f]{8}$/);
    expect(Object.keys(over.spec.signalAnnotations)).toEqual(Object.keys(annotationsFor(requestJsonByteBudget + 1)));
  });

  it('fits a storm whose shared labels fill every label to its limit (they appear twice: signalLabels and storm.commonLabels)', () => {
    const commonLabels = Object.fromEntries(Array.from({ length: crdLimits.labelCount }, (_, index) => [`label_${index}`, wide.repeat(crdLimits.labelValue)]));
    const request = buildStormRemediationRequest('f'.repeat(32), 'ffffffffffff', stormOf(commonLabels, ['Pod/web-1', 'Pod/web-2']), placement);
    expect(bytes(request)).toBeLessThanOrEqual(requestJsonByteBudget);
    expect(Object.keys(request.spec.signalLabels)).toHaveLength(crdLimits.labelCount);
    expect(request.spec.storm?.commonLabels).toEqual(request.spec.signalLabels);
    expect(request.spec.storm?.affectedResources).toHaveLength(2);
    expect(request.spec.storm?.affectedResourcesTruncated).toBe(false);
  });

  it('lists fewer affected resources, and says so, when the values alone cannot make it fit', () => {
    // Each "Kind/namespace/name" at the CRD's limits in wide characters: 1,000 of them are over 1 MiB.
    const resources = Array.from({ length: 1000 }, (_, index) => `Pod/${wide.repeat(crdLimits.targetNamespace)}/${String(index).padStart(4, '0')}${wide.repeat(crdLimits.targetName - 4)}`);
    const request = buildStormRemediationRequest('f'.repeat(32), 'ffffffffffff', stormOf({ alertname: 'KubePodCrashLooping' }, resources), placement);
    expect(bytes(request)).toBeLessThanOrEqual(requestJsonByteBudget);
    const listed = request.spec.storm?.affectedResources ?? [];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(1000);
    expect(listed[0]?.name.startsWith('0000')).toBe(true);
    expect(request.spec.storm?.affectedResourcesTruncated).toBe(true);
    expect(request.spec.storm?.resourceCount).toBe(1000);
  });

});

// 2026-11-21T10:00:00Z and the storm's later times, in unix seconds.
const t0 = 1_795_255_200;
const stormAt = (overrides: Partial<StormSnapshot>): StormSnapshot => ({
  ...stormOf({ alertname: 'KubePodCrashLooping', namespace: 'shop' }, ['Pod/web-1', 'Node/node-7']),
  start: t0,
  requestStart: t0,
  lastNewResource: t0 + 30,
  lastSeen: t0 + 45,
  ...overrides,
});

describe('the request as written to Kubernetes', () => {
  it('names, labels and fills an episode request; the cluster id only when configured', () => {
    const request = buildRemediationRequest(signal({ summary: 'disk full' }), t0, { ...placement, clusterId: 'prod-eu' });
    expect(request).toEqual({
      apiVersion: 'remediation.stormgate.dev/v1alpha1',
      kind: 'RemediationRequest',
      metadata: {
        name: `rr-0123456789abcdef0123456789abcdef-${t0.toString(36)}`,
        namespace: 'stormgate',
        labels: {
          'stormgate.dev/fingerprint': '0123456789abcdef0123456789abcdef',
          'stormgate.dev/storm-key': expect.stringMatching(/^[0-9a-f]+$/),
          'stormgate.dev/target': targetKey('default', { apiVersion: 'v1', kind: 'Pod', name: 'db-0', namespace: 'shop' }, 'DiskFull'),
          'stormgate.dev/tenant': 'default',
          'app.kubernetes.io/managed-by': 'stormgate',
        },
      },
      spec: {
        signalFingerprint: '0123456789abcdef0123456789abcdef',
        signalName: 'DiskFull',
        severity: 'warning',
        signalSource: 'alertmanager',
        targetResource: { apiVersion: 'v1', kind: 'Pod', name: 'db-0', namespace: 'shop' },
        firingTime: '2026-11-21T10:00:00Z',
        receivedTime: '2026-11-21T10:00:01Z',
        signalLabels: { alertname: 'DiskFull' },
        signalAnnotations: { summary: 'disk full' },
        clusterID: 'prod-eu',
      },
    });
    expect(buildRemediationRequest(signal({}), t0, placement).spec).not.toHaveProperty('clusterID');
    expect(buildRemediationRequest(signal({}), t0, placement).spec).not.toHaveProperty('previousRequest');
    expect(buildRemediationRequest(signal({}), t0, placement).metadata).not.toHaveProperty('annotations');
  });

  it('links the target’s previous request, and names the observed pod and the owner’s source (FINGERPRINT_STRATEGY=owner)', () => {
    const owned = {
      ...signal({}),
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', namespace: 'shop' },
      owner: { pod: 'checkout-7d9f8b6c5-x2x4q', source: 'name-pattern' as const, reason: 'owner-lookup-denied' as const },
    };
    const request = buildRemediationRequest(owned, t0, { ...placement, previousRequest: 'rr-0123456789abcdef0123456789abcdef-abc' });
    expect(request.spec.previousRequest).toBe('rr-0123456789abcdef0123456789abcdef-abc');
    expect(request.spec.targetResource).toEqual(owned.target);
    expect(request.metadata.annotations).toEqual({ 'stormgate.dev/observed-pod': 'checkout-7d9f8b6c5-x2x4q', 'stormgate.dev/owner-source': 'name-pattern: owner-lookup-denied' });
    expect(buildRemediationRequest({ ...owned, owner: { pod: 'checkout-7d9f8b6c5-x2x4q', source: 'api' } }, t0, placement).metadata.annotations?.['stormgate.dev/owner-source']).toBe('api');
    // Every alert of the Deployment and the Deployment's own alerts find each other's requests.
    expect(request.metadata.labels['stormgate.dev/target']).toBe(targetKey('default', { kind: 'Pod', name: 'checkout', namespace: 'shop' }, 'OtherAlert'));
    expect(request.metadata.labels['stormgate.dev/target']).not.toBe(targetKey('default', { kind: 'Deployment', name: 'checkout', namespace: 'web' }, 'DiskFull'));
    expect(request.metadata.labels['stormgate.dev/target']).not.toBe(targetKey('team-a', owned.target, 'DiskFull'));
    expect(request.metadata.labels['stormgate.dev/target']).not.toBe(targetKey('default', { kind: 'Service', name: 'checkout', namespace: 'shop' }, 'DiskFull'));
    // An alert that names no object falls back to its namespace: there the alertname keeps unrelated alerts apart.
    const namespaceTarget = { apiVersion: 'v1', kind: 'Namespace', name: 'shop' };
    expect(targetKey('default', namespaceTarget, 'KubeQuotaExceeded')).not.toBe(targetKey('default', namespaceTarget, 'TargetDown'));
    expect(targetKey('default', { kind: 'Cluster', name: 'prod' }, 'Watchdog')).not.toBe(targetKey('default', { kind: 'Cluster', name: 'prod' }, 'KubeAPIDown'));
    expect(targetKey('default', owned.target, 'KubeQuotaExceeded')).toBe(targetKey('default', owned.target, 'TargetDown'));
  });

  it('describes a storm in one request: its namespace as target, counts including resources beyond the cap, the window', () => {
    const request = buildStormRemediationRequest('f'.repeat(32), 'abcdef012345', stormAt({ alertCount: 7, resourcesBeyondCap: 3 }), { ...placement, clusterId: 'prod-eu' });
    expect(request).toEqual({
      apiVersion: 'remediation.stormgate.dev/v1alpha1',
      kind: 'RemediationRequest',
      metadata: {
        name: `rr-${'f'.repeat(32)}-${t0.toString(36)}`,
        namespace: 'stormgate',
        labels: {
          'stormgate.dev/fingerprint': 'f'.repeat(32),
          'stormgate.dev/storm-key': 'abcdef012345',
          'stormgate.dev/tenant': 'default',
          'stormgate.dev/storm': 'true',
          'app.kubernetes.io/managed-by': 'stormgate',
        },
      },
      spec: {
        signalFingerprint: 'f'.repeat(32),
        signalName: 'KubePodCrashLooping',
        severity: 'warning',
        signalSource: 'alertmanager',
        targetResource: { apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
        firingTime: '2026-11-21T10:00:00Z',
        receivedTime: '2026-11-21T10:00:00Z',
        signalLabels: { alertname: 'KubePodCrashLooping', namespace: 'shop' },
        signalAnnotations: { summary: '7 alerts from 5 resources (KubePodCrashLooping)' },
        clusterID: 'prod-eu',
        storm: {
          stormKey: 'KubePodCrashLooping/shop',
          alertCount: 7,
          resourceCount: 5,
          // A namespaced kind gets the storm's namespace; a node is cluster-scoped.
          affectedResources: [
            { kind: 'Pod', name: 'web-1', namespace: 'shop' },
            { kind: 'Node', name: 'node-7' },
          ],
          affectedResourcesTruncated: true,
          commonLabels: { alertname: 'KubePodCrashLooping', namespace: 'shop' },
          windowStart: '2026-11-21T10:00:00Z',
          windowEnd: '2026-11-21T10:00:30Z',
          trigger: 'resources',
        },
      },
    });
  });

  it('targets the cluster when the storm has no namespace, and never shows fewer than one alert or resource', () => {
    const storm = stormAt({ namespace: '', alertCount: 0, resources: [], resourcesBeyondCap: 0 });
    const request = buildStormRemediationRequest('f'.repeat(32), 'abcdef012345', storm, placement);
    expect(request.spec.targetResource).toEqual({ kind: 'Cluster', name: 'cluster' });
    expect(request.spec).not.toHaveProperty('clusterID');
    expect(request.spec.storm).toMatchObject({ stormKey: 'KubePodCrashLooping/*', alertCount: 1, resourceCount: 1, affectedResources: [], affectedResourcesTruncated: false });
    expect(buildStormRemediationRequest('f'.repeat(32), 'abcdef012345', storm, { ...placement, clusterId: 'prod-eu' }).spec.targetResource).toEqual({ kind: 'Cluster', name: 'prod-eu' });
  });

  it('shows a storm Firing with its counts while it lasts, and Resolved at the given time once it ended', () => {
    const storm = stormAt({ alertCount: 9, members: 4, resolved: 1, resourcesBeyondCap: 2 });
    const counts = { members: 4, alertCount: 9, resourceCount: 4, resolvedMembers: 1 };
    const deduplication = { occurrenceCount: 9, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:00:45Z' };
    expect(stormRequestStatus(storm, t0 + 100)).toEqual({ deduplication, signal: { state: 'Firing' }, storm: counts });
    expect(stormRequestStatus({ ...storm, ended: true }, t0 + 100)).toEqual({ deduplication, signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:01:40Z' }, storm: counts });
  });
});

