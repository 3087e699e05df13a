import { describe, expect, it } from '@jest/globals';
import { dedupBatchSchema } from '../../../lib/dedup/dedup-batch.js';
import { splitBatch } from '../../../lib/ingest/split-batch.js';
import { signalsOf } from '../../support/builders/webhook.js';

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
});
