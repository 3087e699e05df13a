import { describe, expect, it } from '@jest/globals';
import { dedupBatchSchema } from '../../../lib/dedup/dedup-batch.js';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { splitBatch } from '../../../lib/ingest/split-batch.js';
import { alert, webhook } from '../../support/builders/webhook.js';

function batchOf(count: number) {
  const alerts = Array.from({ length: count }, (_, index) => alert({ labels: { pod: `web-${index}` }, annotations: { description: 'x'.repeat(500) } }));
  const signals = normalizeWebhook(parseWebhook(JSON.stringify(webhook(alerts))), { receivedAt: '2026-11-21T10:00:00Z' });
  return { tenant: 'default', requestId: 'req-1', signals };
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
