import type { DedupBatch } from '../dedup/dedup-batch.js';

/** An async invoke carries at most 256 KB; stay below it with room for the envelope. */
export const maxInvokePayloadBytes = 240 * 1024;

/**
 * Splits a batch into payloads under `maxBytes`, keeping the signals' order. A signal that alone exceeds
 * the limit still travels alone (the intake's label and annotation caps keep signals far smaller).
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
