import { truncationMarker } from '../alertmanager/normalize.js';
import type { DedupBatch } from '../dedup/dedup-batch.js';
import { fitField } from '../domain/crd-fields.js';
import type { Signal } from '../domain/signal.js';

/** An async invoke carries at most 256 KB; stay below it with room for the envelope. */
export const maxInvokePayloadBytes = 240 * 1024;

/** What one signal may weigh in a hand-off: with the envelope (its group labels are pinned, small) it fits one invoke. */
export const maxSignalBytes = 200 * 1024;

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

/** The last resort: names cut to 32 characters and the group key and receiver to 256 (hashes keep them apart). */
function capNames(signal: Signal): Signal {
  const names = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).map(([name, value]) => [fitField(name, 32), value]));
  return { ...signal, labels: names(signal.labels), annotations: names(signal.annotations), groupKey: fitField(signal.groupKey, 256), receiver: fitField(signal.receiver, 256) };
}

/**
 * A signal that fits one async invoke: an alert that alone would exceed it (64 annotations of 2,048 CJK
 * characters weigh ~400 KB) has its annotation values, then its label values, then its names, group key
 * and receiver cut with a visible marker until it fits. Identity (fingerprint, target, alertname,
 * severity) was derived before and is untouched. Once everything is cut, what the intake's limits allow
 * weighs under ~80 KB (128 names of 32 characters and values of 46, each character at most 6 bytes in JSON).
 */
export function fitSignal(signal: Signal, maxBytes = maxSignalBytes): Signal {
  const steps = [
    ...valueCaps.map((cap) => (candidate: Signal): Signal => ({ ...candidate, annotations: capRecord(candidate.annotations, cap) })),
    ...valueCaps.map((cap) => (candidate: Signal): Signal => ({ ...candidate, labels: capRecord(candidate.labels, cap) })),
    capNames,
  ];
  let fitted = signal;
  for (const step of steps) {
    if (signalBytes(fitted) <= maxBytes) return fitted;
    fitted = step(fitted);
  }
  return fitted;
}

/**
 * Splits a batch into payloads under `maxBytes`, keeping the signals' order. The intake fits each signal
 * first (fitSignal), so that every one travels in one payload. Each signal is serialized once: a payload
 * is the envelope with its serialized signals put in (the same text JSON.stringify makes of it).
 */
export function splitBatch(batch: DedupBatch, maxBytes = maxInvokePayloadBytes): string[] {
  // The batch as ingest builds it (dedup-batch.ts: `signals` its last key): its text with no signals ends
  // with `"signals":[]}`, and each payload is that text with the signals put between the brackets.
  const { signals } = batch;
  const head = JSON.stringify({ ...batch, signals: [] }).slice(0, -2);
  const envelopeBytes = Buffer.byteLength(head) + 2;
  const payloads: string[] = [];
  let current: string[] = [];
  let currentBytes = envelopeBytes;
  const flush = () => {
    if (current.length > 0) payloads.push(`${head}${current.join(',')}]}`);
    current = [];
    currentBytes = envelopeBytes;
  };
  for (const signal of signals) {
    const json = JSON.stringify(signal);
    const signalBytes = Buffer.byteLength(json);
    // A signal after the first comes with its comma.
    if (current.length > 0 && currentBytes + 1 + signalBytes > maxBytes) flush();
    currentBytes += (current.length > 0 ? 1 : 0) + signalBytes;
    current.push(json);
  }
  flush();
  return payloads;
}
