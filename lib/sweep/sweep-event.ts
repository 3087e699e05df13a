import * as z from 'zod/mini';
import '../validation/english-messages.js';

/** The schedule's event: an EventBridge scheduled rule when deployed, the local runtime's timer locally. */
export const sweepEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.string(),
});
export type SweepEvent = z.infer<typeof sweepEventSchema>;
