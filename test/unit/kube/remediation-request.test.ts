import { describe, expect, it } from '@jest/globals';
import { crdLimits } from '../../../lib/domain/crd-fields.js';
import { requestJsonByteBudget } from '../../../lib/domain/request-size.js';
import type { Signal } from '../../../lib/domain/signal.js';
import type { StormSnapshot } from '../../../lib/domain/storm.js';
import { buildRemediationRequest, buildStormRemediationRequest, type RemediationRequest } from '../../../lib/kube/remediation-request.js';

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
