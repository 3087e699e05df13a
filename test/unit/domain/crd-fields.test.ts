import { describe, expect, it } from '@jest/globals';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { defaultWebhookLimits } from '../../../lib/alertmanager/webhook-schema.js';
import { loadConfig } from '../../../lib/config/index.js';
import { crdLimits, fitField } from '../../../lib/domain/crd-fields.js';
import { buildStormRemediationRequest } from '../../../lib/kube/remediation-request.js';
import { alert, webhook } from '../../support/builders/webhook.js';

// The largest label values configuration allows (MAX_LABEL_VALUE_LENGTH ≤ 4096).
const limits = { ...defaultWebhookLimits, maxLabelValueLength: crdLimits.labelValue };
const normalize = (labels: Record<string, string>) =>
  normalizeWebhook(parseWebhook(JSON.stringify(webhook([alert({ labels })])), limits), { tenant: 'default', receivedAt: '2026-11-21T10:00:01.000Z', strategy: 'resource' })[0];
const length = (value: string | undefined) => [...(value ?? '')].length;

describe('fitField: what does not fit the CRD is cut, marked and kept distinct', () => {
  it('keeps a value of exactly the limit, cuts one code point more to the limit', () => {
    expect(fitField('a'.repeat(64), 64)).toBe('a'.repeat(64));
    const cut = fitField('a'.repeat(65), 64);
    expect(length(cut)).toBe(64);
    expect(cut).toMatch(/^a{55}…[0-9a-f]{8}$/);
  });

  it('counts code points as Kubernetes does, not UTF-16 units', () => {
    expect(fitField('🐢'.repeat(64), 64)).toBe('🐢'.repeat(64));
    expect(length(fitField('🐢'.repeat(65), 64))).toBe(64);
  });

  it('is stable, and keeps values that differ only beyond the cut apart', () => {
    const long = 'x'.repeat(300);
    expect(fitField(`${long}a`, 253)).toBe(fitField(`${long}a`, 253));
    expect(fitField(`${long}a`, 253)).not.toBe(fitField(`${long}b`, 253));
  });
});

describe('intake fits every spec field to the CRD', () => {
  it('severity, alertname, target name and namespace at and beyond their limits', () => {
    const at = normalize({ alertname: 'A'.repeat(1024), severity: 's'.repeat(64), pod: 'p'.repeat(253), namespace: 'n'.repeat(63) });
    expect(at).toMatchObject({ alertname: 'A'.repeat(1024), severity: 's'.repeat(64), target: { name: 'p'.repeat(253), namespace: 'n'.repeat(63) } });
    const beyond = normalize({ alertname: 'A'.repeat(1025), severity: 's'.repeat(65), pod: 'p'.repeat(254), namespace: 'n'.repeat(64) });
    expect(length(beyond?.alertname)).toBe(crdLimits.signalName);
    expect(length(beyond?.severity)).toBe(crdLimits.severity);
    expect(length(beyond?.target.name)).toBe(crdLimits.targetName);
    expect(length(beyond?.target.namespace)).toBe(crdLimits.targetNamespace);
    expect(length(beyond?.stormNamespace)).toBe(crdLimits.targetNamespace);
  });

  it('keeps a storm key within 1,024 characters and never names an empty namespace', () => {
    const storm = {
      start: 1_795_255_300_000,
      requestStart: 1_795_255_300_000,
      lastNewResource: 1_795_255_360_000,
      lastSeen: 1_795_255_360_000,
      alertname: 'A'.repeat(1024),
      namespace: '',
      severity: 'critical',
      alertCount: 10,
      members: 10,
      firing: 10,
      resolved: 0,
      version: 1,
      resources: ['Pod/a'],
      resourcesBeyondCap: 0,
      commonLabels: {},
      trigger: 'rate' as const,
      ended: false,
    };
    const request = buildStormRemediationRequest('a'.repeat(32), 'a'.repeat(12), storm, { namespace: 'stormgate', tenant: 'default' });
    expect(length(request.spec.storm?.stormKey)).toBeLessThanOrEqual(crdLimits.stormKey);
    expect(request.spec.targetResource).toEqual({ kind: 'Cluster', name: 'cluster' });
    expect(request.spec.storm?.affectedResources).toEqual([{ kind: 'Pod', name: 'a' }]);
  });
});

describe('limits that would let intake accept what the CRD cannot store are refused at start', () => {
  it('MAX_LABELS_PER_ALERT up to 64 and MAX_LABEL_VALUE_LENGTH up to 4096', () => {
    expect(loadConfig({ MAX_LABELS_PER_ALERT: '64', MAX_LABEL_VALUE_LENGTH: '4096' }).webhookLimits).toMatchObject({ maxLabelsPerAlert: 64, maxLabelValueLength: 4096 });
    expect(() => loadConfig({ MAX_LABELS_PER_ALERT: '65' })).toThrow(/MAX_LABELS_PER_ALERT: at most 64/);
    expect(() => loadConfig({ MAX_LABEL_VALUE_LENGTH: '4097' })).toThrow(/MAX_LABEL_VALUE_LENGTH: at most 4096/);
  });

  it('CLUSTER_ID as the CRD pattern allows it', () => {
    expect(loadConfig({ CLUSTER_ID: 'prod-eu.1' }).clusterId).toBe('prod-eu.1');
    expect(() => loadConfig({ CLUSTER_ID: 'prod eu' })).toThrow(/CLUSTER_ID/);
    expect(() => loadConfig({ CLUSTER_ID: `a${'b'.repeat(63)}` })).toThrow(/CLUSTER_ID/);
  });
});
