import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { isoSeconds } from './time.js';

/**
 * The part of a RemediationRequest's status that stormgate owns. Read back from the API server before
 * every write, so it is a schema (the controller owns the rest of status and may write anything there).
 */
export const requestStatusSchema = z.object({
  deduplication: z.optional(z.object({ occurrenceCount: z.int(), firstSeenAt: z.string(), lastSeenAt: z.string() })),
  signal: z.optional(z.object({ state: z.enum(['Firing', 'Resolved']), resolvedAt: z.optional(z.string()) })),
  storm: z.optional(z.object({ members: z.int(), alertCount: z.int(), resourceCount: z.int(), resolvedMembers: z.int() })),
  /** New episodes of the target counted on this request instead of making another (cooldown, manual review). */
  recurrences: z.optional(z.object({ count: z.int(), lastEpisodeStartedAt: z.string() })),
});
export type RequestStatus = z.infer<typeof requestStatusSchema>;

/** stormgate's `status.deduplication`: how often an episode (or a storm) was delivered, and when. */
export function deduplicationStatus(occurrenceCount: number, firstSeen: number, lastSeen: number): NonNullable<RequestStatus['deduplication']> {
  return { occurrenceCount: Math.max(occurrenceCount, 1), firstSeenAt: isoSeconds(firstSeen), lastSeenAt: isoSeconds(Math.max(lastSeen, firstSeen)) };
}

/** `status.recurrences` as one more episode, started at `episodeStart`, asks it (decideStatusWrite counts it once). */
export function recurrenceStatus(episodeStart: number): NonNullable<RequestStatus['recurrences']> {
  return { count: 1, lastEpisodeStartedAt: isoSeconds(episodeStart) };
}

/** `status.signal` of a request whose episode (or storm) ended at `now`. */
export function resolvedSignal(now: number): NonNullable<RequestStatus['signal']> {
  return { state: 'Resolved', resolvedAt: isoSeconds(now) };
}

export type StatusWriteDecision =
  | { readonly action: 'write'; readonly status: RequestStatus }
  | { readonly action: 'skip'; readonly reason: 'status-current-or-newer' };

const later = (a: string | undefined, b: string): string => (a !== undefined && a > b ? a : b);
const earlier = (a: string | undefined, b: string): string => (a !== undefined && a < b ? a : b);

/**
 * Pure: the status to write so that a request's status never moves backwards, whatever order concurrent
 * writers (dedup, retries, the sweep) arrive in: counts and times only grow, Resolved is final for the
 * episode a request stands for. Skips the write when the request already shows as much.
 */
export function decideStatusWrite(current: RequestStatus | undefined, desired: RequestStatus): StatusWriteDecision {
  const merged: RequestStatus = {};
  const dedup = desired.deduplication;
  if (dedup) {
    const now = current?.deduplication;
    merged.deduplication = {
      occurrenceCount: Math.max(now?.occurrenceCount ?? 0, dedup.occurrenceCount),
      firstSeenAt: earlier(now?.firstSeenAt, dedup.firstSeenAt),
      lastSeenAt: later(now?.lastSeenAt, dedup.lastSeenAt),
    };
  }
  if (desired.signal) {
    merged.signal = current?.signal?.state === 'Resolved' ? current.signal : desired.signal;
  }
  if (desired.storm) {
    const now = current?.storm;
    merged.storm = {
      members: Math.max(now?.members ?? 0, desired.storm.members),
      alertCount: Math.max(now?.alertCount ?? 0, desired.storm.alertCount),
      resourceCount: Math.max(now?.resourceCount ?? 0, desired.storm.resourceCount),
      resolvedMembers: Math.max(now?.resolvedMembers ?? 0, desired.storm.resolvedMembers),
    };
  }
  if (desired.recurrences) {
    // Counted once per episode, whoever retries: only an episode that started later than the last counted one adds.
    const now = current?.recurrences;
    merged.recurrences =
      now !== undefined && now.lastEpisodeStartedAt >= desired.recurrences.lastEpisodeStartedAt
        ? now
        : { count: (now?.count ?? 0) + 1, lastEpisodeStartedAt: desired.recurrences.lastEpisodeStartedAt };
  }
  const unchanged = (Object.keys(merged) as (keyof RequestStatus)[]).every((field) => JSON.stringify(merged[field]) === JSON.stringify(current?.[field]));
  return unchanged ? { action: 'skip', reason: 'status-current-or-newer' } : { action: 'write', status: merged };
}
