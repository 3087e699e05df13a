import { describe, expect, it } from '@jest/globals';
import { dedupBatchSchema } from '../../../lib/dedup/dedup-batch.js';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { defaultWebhookLimits } from '../../../lib/alertmanager/webhook-schema.js';
import { fitSignal, maxInvokePayloadBytes, maxSignalBytes, splitBatch } from '../../../lib/ingest/split-batch.js';
import { alert, signalsOf, webhook } from '../../support/builders/webhook.js';

function batchOf(count: number) {
  const signals = signalsOf(...Array.from({ length: count }, (_, index) => ({ labels: { pod: `web-${index}` }, annotations: { description: 'x'.repeat(500) } })));
  return { tenant: 'default', requestId: 'req-1', truncatedAlerts: 0, groupLabels: {}, signals };
}

describe('splitBatch', () => {
  it('keeps a small batch in one payload', () => {
    expect(splitBatch(batchOf(3))).toHaveLength(1);
  });

  it('splits under the byte limit, keeps every signal once and in order, each payload a valid batch', () => {
    const batch = batchOf(400);
    const payloads = splitBatch(batch, 64 * 1024);
    expect(payloads.length).toBeGreaterThan(1);
    payloads.forEach((payload) => expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(64 * 1024));
    const rejoined = payloads.flatMap((payload) => dedupBatchSchema.parse(JSON.parse(payload)).signals);
    expect(rejoined).toEqual(batch.signals);
  });

  it('writes each payload exactly as JSON.stringify writes that part of the batch, whatever the labels hold', () => {
    const batch = { ...batchOf(40), truncatedAlerts: 3, groupLabels: { alertname: 'X","signals":[]}', '"signals"': '[\u2028]', team: 'é😀' } };
    const payloads = splitBatch(batch, 8 * 1024);
    expect(payloads.length).toBeGreaterThan(1);
    let from = 0;
    for (const payload of payloads) {
      const count = dedupBatchSchema.parse(JSON.parse(payload)).signals.length;
      expect(payload).toBe(JSON.stringify({ ...batch, signals: batch.signals.slice(from, from + count) }));
      from += count;
    }
    expect(from).toBe(batch.signals.length);
  });

  it('fills a payload to exactly the limit and starts the next one a byte later', () => {
    const batch = batchOf(2);
    const whole = splitBatch(batch)[0] ?? '';
    expect(splitBatch(batch, Buffer.byteLength(whole))).toEqual([whole]);
    expect(splitBatch(batch, Buffer.byteLength(whole) - 1)).toHaveLength(2);
  });
});

describe('fitSignal: one alert always fits one async invoke', () => {
  const limits = { ...defaultWebhookLimits, maxLabelValueLength: 4096 };
  const record = (prefix: string, count: number, value: string) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, value]));
  const signalOf = (labels: Record<string, string>, annotations: Record<string, string>) =>
    normalizeWebhook(parseWebhook(JSON.stringify(webhook([alert({ labels, annotations })])), limits), { tenant: 'default', receivedAt: '2026-11-21T10:00:01.000Z', strategy: 'resource' })[0];

  it('leaves a signal under the budget as it is', () => {
    const signal = signalOf({ pod: 'web-1' }, { summary: 'slow' });
    expect(signal).toBeDefined();
    if (signal) expect(fitSignal(signal)).toBe(signal);
  });

  it('cuts annotations first, with a marker, when 64 annotations of 2,048 CJK characters weigh ~400 KB', () => {
    const signal = signalOf({ pod: 'web-1' }, record('note', 64, '支'.repeat(2_048)));
    if (!signal) throw new Error('no signal');
    expect(Buffer.byteLength(JSON.stringify(signal))).toBeGreaterThan(maxInvokePayloadBytes);
    const fitted = fitSignal(signal);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(maxSignalBytes);
    expect(fitted.annotations.note0).toMatch(/… \[truncated\]$/);
    expect(fitted.labels).toEqual(signal.labels);
    expect({ ...fitted, annotations: {} }).toEqual({ ...signal, annotations: {} });
    const payloads = splitBatch({ tenant: 'default', requestId: 'r', truncatedAlerts: 0, groupLabels: {}, signals: [fitted, fitted] });
    payloads.forEach((payload) => expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(maxInvokePayloadBytes));
  });

  it('then label values, when the largest labels the limits allow still do not fit', () => {
    const signal = signalOf({ pod: 'web-1', ...record('l', 58, '🐢'.repeat(4_096)) }, record('note', 64, '支'.repeat(2_048)));
    if (!signal) throw new Error('no signal');
    const fitted = fitSignal(signal);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(maxSignalBytes);
    expect(fitted.labels.l0).toMatch(/… \[truncated\]$/);
    expect(fitted.target).toEqual(signal.target);
    expect(fitted.fingerprint).toBe(signal.fingerprint);
  });

  it("then names, group key and receiver: the heaviest signal the intake's limits allow still fits", () => {
    const base = signalOf({ pod: 'web-1' }, {});
    if (!base) throw new Error('no signal');
    // U+0001 is written as \u0001 in JSON: 6 bytes per character, the most any character costs.
    const heavy = '\u0001';
    const names = (prefix: string, count: number, value: string) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`.padEnd(256, heavy), value]));
    const signal = {
      ...base,
      labels: names('l', 64, heavy.repeat(4_096)),
      annotations: names('a', 64, heavy.repeat(2_048)),
      groupKey: heavy.repeat(8_192),
      receiver: heavy.repeat(1_024),
      alertname: heavy.repeat(1_024),
    };
    expect(Buffer.byteLength(JSON.stringify(signal))).toBeGreaterThan(maxInvokePayloadBytes);
    const fitted = fitSignal(signal);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(maxSignalBytes);
    expect(Object.keys(fitted.labels)).toHaveLength(64);
    expect(Object.keys(fitted.annotations)).toHaveLength(64);
    const payloads = splitBatch({ tenant: 'default', requestId: 'r', truncatedAlerts: 0, groupLabels: {}, signals: [fitted] });
    expect(payloads).toHaveLength(1);
    expect(Buffer.byteLength(payloads[0] ?? '')).toBeLessThanOrEqual(maxInvokePayloadBytes);
  });
});

