import { z } from 'zod';
import { decideSignalAction, type EpisodeOutcomeKind, remediationRequestName, type SignalDecision } from '../domain/dedup-decision.js';
import { stormPartOf, stormRequestFingerprint } from '../domain/storm.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { EpisodeStore } from '../redis/episode-store.js';
import type { StormWindows } from '../redis/storm-windows.js';
import { isoSeconds } from '../domain/time.js';

const fingerprintSchema = z.string().regex(/^[0-9a-f]{32}$/);

export interface SignalDecisionReceipt {
  readonly fingerprint: string;
  /** The signal's own episode; absent when it joined a storm (storm members have none). */
  readonly episode?: {
    readonly state: 'held' | 'open' | 'resolved';
    readonly startedAt: string;
    readonly lastSeenAt: string;
    readonly occurrenceCount: number;
  };
  readonly storm?: { readonly state: 'open' | 'closing' | 'closed'; readonly windowStart: string };
  readonly lastDecision: SignalDecision & { readonly outcome: EpisodeOutcomeKind };
  readonly remediationRequest: {
    readonly namespace: string;
    readonly name: string;
    /** pending: not yet confirmed (dedup completes it); aggregating: the storm's request comes when its window closes. */
    readonly state: 'created' | 'pending' | 'aggregating' | 'unknown';
  };
}

export interface ReadSignalDeps {
  readonly episodes: EpisodeStore;
  readonly windows: StormWindows;
  readonly namespace: string;
}

/** `GET /v1/signals/{fingerprint}`: the latest decision about a signal of the caller's tenant, and why. */
export async function readSignalDecision(tenant: string, fingerprint: string | undefined, deps: ReadSignalDeps): Promise<SignalDecisionReceipt> {
  const parsed = fingerprintSchema.safeParse(fingerprint);
  if (!parsed.success) throw new InvalidInputError('fingerprint must be 32 lowercase hex characters', 'fingerprint');
  const record = await deps.episodes.read(tenant, parsed.data);
  if (record) {
    return {
      fingerprint: parsed.data,
      episode: {
        state: record.state === 'closed' ? 'resolved' : record.state === 'held' ? 'held' : 'open',
        startedAt: isoSeconds(record.episodeStart),
        lastSeenAt: isoSeconds(record.lastSeen),
        occurrenceCount: record.occurrenceCount,
      },
      lastDecision: { outcome: record.lastOutcome, ...decideSignalAction({ kind: record.lastOutcome }) },
      remediationRequest: {
        namespace: deps.namespace,
        name: remediationRequestName(parsed.data, record.episodeStart),
        state: record.state === 'created' ? 'created' : record.state === 'reserved' ? 'pending' : 'unknown',
      },
    };
  }
  const window = await deps.windows.windowOf(tenant, parsed.data);
  if (!window) throw new NotFoundError('no decision is recorded for this fingerprint (not seen yet, or expired)');
  return {
    fingerprint: parsed.data,
    storm: { state: window.state, windowStart: isoSeconds(window.start) },
    lastDecision: { outcome: 'stormed', ...decideSignalAction({ kind: 'stormed' }) },
    remediationRequest: {
      namespace: deps.namespace,
      name: remediationRequestName(stormRequestFingerprint(tenant, stormPartOf(parsed.data)), window.start),
      state: window.state === 'closed' ? 'created' : 'aggregating',
    },
  };
}
