import * as z from 'zod';
import { signalSchema } from '../domain/signal.js';

/** What ingest hands to dedup (async invoke payload). Validated again at dedup's edge. */
export const dedupBatchSchema = z.object({
  tenant: z.string().min(1),
  requestId: z.string().min(1),
  /** Alerts Alertmanager dropped from the notification (max_alerts): a storm signal for the aggregator. */
  truncatedAlerts: z.number().int().nonnegative().default(0),
  /** The notification's group labels: which storm key the truncation speaks for. */
  groupLabels: z.record(z.string(), z.string()).default({}),
  signals: z.array(signalSchema).min(1),
});
export type DedupBatch = z.infer<typeof dedupBatchSchema>;
