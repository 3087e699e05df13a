import { describe, expect, it } from '@jest/globals';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { InvalidInputError } from '../../../lib/errors.js';
import { alert, fixture, webhook } from '../../support/builders/webhook.js';

function parseError(body: string): InvalidInputError {
  try {
    parseWebhook(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected parseWebhook to reject the body');
}

describe('parseWebhook', () => {
  it('accepts a real firing notification with nanosecond timestamps', () => {
    const payload = parseWebhook(fixture('alertmanager-firing.json'));
    expect(payload.alerts).toHaveLength(1);
    expect(payload.alerts[0]?.startsAt).toBe('2026-11-21T10:00:00.123456789Z');
  });

  it('fills optional envelope fields with their defaults', () => {
    const { groupLabels, commonLabels, commonAnnotations, externalURL, truncatedAlerts, ...minimal } = webhook([alert()]);
    void [groupLabels, commonLabels, commonAnnotations, externalURL, truncatedAlerts];
    const payload = parseWebhook(JSON.stringify(minimal));
    expect(payload).toMatchObject({ truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, externalURL: '' });
  });

  it.each([
    ['not JSON', '{"version": "4",', '(body)', /not valid JSON/],
    ['a JSON array', '[]', '(body)', /expected object/],
    ['another version', JSON.stringify(webhook([alert()], { version: '3' })), 'version', /only "4"/],
    ['no alerts', JSON.stringify(webhook([])), 'alerts', /at least one alert/],
    ['an alert without alertname', JSON.stringify(webhook([alert({ labels: { alertname: '' } })])), 'alerts[0].labels.alertname', /alertname/],
    ['a bad per-alert status', JSON.stringify(webhook([{ ...alert(), status: 'pending' as 'firing' }])), 'alerts[0].status', /firing|resolved/],
    ['a non-string label value', JSON.stringify(webhook([{ ...alert(), labels: { alertname: 'A', replicas: 3 } as unknown as Record<string, string> }])), 'alerts[0].labels.replicas', /string/],
    ['a bad startsAt', JSON.stringify(webhook([alert({ startsAt: 'yesterday' })])), 'alerts[0].startsAt', /datetime/i],
  ])('rejects %s, naming the field', (_case, body, field, message) => {
    const error = parseError(body);
    expect(error.field).toBe(field);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });
});

describe('normalizeWebhook', () => {
  const receivedAt = '2026-11-21T10:00:01.000Z';

  it('turns every alert into its own signal, firing and resolved alike', () => {
    const payload = parseWebhook(
      JSON.stringify(
        webhook([
          alert({ labels: { pod: 'web-1' } }),
          alert({ status: 'resolved', labels: { pod: 'web-2' } }),
          alert({ labels: { pod: 'web-3', severity: '' } }),
        ]),
      ),
    );
    const signals = normalizeWebhook(payload, { receivedAt });
    expect(signals.map((signal) => [signal.target.name, signal.status])).toEqual([
      ['web-1', 'firing'],
      ['web-2', 'resolved'],
      ['web-3', 'firing'],
    ]);
    expect(new Set(signals.map((signal) => signal.fingerprint)).size).toBe(3);
  });

  it('keeps labels, annotations, times and correlation fields; drops the zero endsAt of a firing alert', () => {
    const [signal] = normalizeWebhook(parseWebhook(fixture('alertmanager-firing.json')), { receivedAt });
    expect(signal).toMatchObject({
      alertname: 'KubePodCrashLooping',
      severity: 'warning',
      source: 'alertmanager',
      status: 'firing',
      target: { kind: 'Pod', name: 'checkout-7d9f8b6c5-x2x4q', namespace: 'payments' },
      startsAt: '2026-11-21T10:00:00.123456789Z',
      receivedAt,
      alertmanagerFingerprint: '5a1e2b3c4d5e6f70',
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      receiver: 'stormgate',
    });
    expect(signal?.endsAt).toBeUndefined();
    expect(signal?.annotations.runbook_url).toBe('https://runbooks.example/KubePodCrashLooping');
  });

  it('gives the same fingerprint to the same problem whatever other labels churn', () => {
    const payload = parseWebhook(
      JSON.stringify(webhook([alert({ labels: { instance: '10.0.0.1:8080' } }), alert({ labels: { instance: '10.0.0.2:8080' } })])),
    );
    const [first, second] = normalizeWebhook(payload, { receivedAt });
    expect(first?.fingerprint).toBe(second?.fingerprint);
  });

  it('passes severity through, "unknown" when absent', () => {
    const payload = parseWebhook(JSON.stringify(webhook([alert({ labels: { severity: 'critical' } }), { ...alert(), labels: { alertname: 'X', pod: 'p' } }])));
    expect(normalizeWebhook(payload, { receivedAt }).map((signal) => signal.severity)).toEqual(['critical', 'unknown']);
  });
});
