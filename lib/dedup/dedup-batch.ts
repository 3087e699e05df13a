import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { signalSchema } from '../domain/signal.js';
import { stringRecordSchema } from '../validation/string-record.js';

/** What ingest hands to dedup (async invoke payload). Validated again at dedup's edge. */
export const dedupBatchSchema = z.object({
  tenant: z.string().check(z.minLength(1)),
  requestId: z.string().check(z.minLength(1)),
  /** Alerts Alertmanager dropped from the notification (max_alerts): a storm signal for the aggregator. */
  truncatedAlerts: z._default(z.int().check(z.nonnegative()), 0),
  /** The notification's group labels: which storm key the truncation speaks for. */
  groupLabels: z._default(stringRecordSchema, {}),
  signals: z.array(signalSchema).check(z.minLength(1)),
});
export type DedupBatch = z.infer<typeof dedupBatchSchema>;
