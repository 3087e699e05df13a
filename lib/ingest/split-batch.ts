import type { DedupBatch } from '../dedup/dedup-batch.js';
import type { Signal } from '../domain/signal.js';

/** An async invoke carries at most 256 KB; stay below it with room for the envelope. */
export const maxInvokePayloadBytes = 240 * 1024;

/** What one signal may weigh in a hand-off: with the envelope (its group labels are pinned, small) it fits one invoke. */
export const maxSignalBytes = 200 * 1024;

const truncationMarker = '… [truncated]';
// Caps tried in turn on annotation values, then on label values, until the signal fits.
const valueCaps = [1_024, 256, 64, 32];

function capRecord(record: Readonly<Record<string, string>>, cap: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([name, value]) => {
      const characters = [...value];
      return [name, characters.length <= cap ? value : characters.slice(0, cap).join('') + truncationMarker];
    }),
  );
}

const signalBytes = (signal: Signal): number => Buffer.byteLength(JSON.stringify(signal));

/**
 * A signal that fits one async invoke: an alert that alone would exceed it (64 annotations of 2,048 CJK
 * characters weigh ~400 KB) has its annotation values, then its label values, cut with a visible marker
 * until it fits. Identity (fingerprint, target, alertname, severity) was derived before and is untouched.
 * Within the intake's limits every alert fits once cut (64 names of at most 256 characters per record).
 */
export function fitSignal(signal: Signal, maxBytes = maxSignalBytes): Signal {
  let fitted = signal;
  for (const field of ['annotations', 'labels'] as const) {
    for (const cap of valueCaps) {
      if (signalBytes(fitted) <= maxBytes) return fitted;
      fitted = { ...fitted, [field]: capRecord(fitted[field], cap) };
    }
  }
  return fitted;
}

/**
 * Splits a batch into payloads under `maxBytes`, keeping the signals' order. The intake fits each signal
 * first (fitSignal), so that every one travels in one payload.
 */
export function splitBatch(batch: DedupBatch, maxBytes = maxInvokePayloadBytes): string[] {
  const envelopeBytes = Buffer.byteLength(JSON.stringify({ ...batch, signals: [] }));
  const payloads: string[] = [];
  let current: DedupBatch['signals'] = [];
  let currentBytes = envelopeBytes;
  const flush = () => {
    if (current.length > 0) payloads.push(JSON.stringify({ ...batch, signals: current }));
    current = [];
    currentBytes = envelopeBytes;
  };
  for (const signal of batch.signals) {
    const signalBytes = Buffer.byteLength(JSON.stringify(signal)) + 1; // + the comma
    if (current.length > 0 && currentBytes + signalBytes > maxBytes) flush();
    current.push(signal);
    currentBytes += signalBytes;
  }
  flush();
  return payloads;
}
