import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { decideSignalAction, type OutcomeKind, type SignalDecision } from '../domain/lifecycle.js';
import { remediationRequestName } from '../domain/request-name.js';
import { stormPartOf, stormRequestFingerprint } from '../domain/storm.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { EpisodeStore } from '../redis/episode-store.js';
import type { StormEpisodes } from '../redis/storm-episodes.js';
import { isoSeconds } from '../domain/time.js';

const fingerprintSchema = z.string().check(z.regex(/^[0-9a-f]{32}$/));

export interface SignalDecisionReceipt {
  readonly fingerprint: string;
  /** The signal's own episode; absent when it joined a storm (storm members have none). */
  readonly episode?: {
    readonly state: 'held' | 'open' | 'resolved' | 'ended';
    readonly startedAt: string;
    readonly lastSeenAt: string;
    readonly occurrenceCount: number;
  };
  readonly storm?: { readonly state: 'collecting' | 'open' | 'resolved'; readonly windowStart: string };
  readonly lastDecision: SignalDecision & { readonly outcome: OutcomeKind };
  readonly remediationRequest: {
    readonly namespace: string;
    readonly name: string;
    /**
     * pending: not yet confirmed (dedup completes it); withheld: not made yet, on purpose (lastDecision says
     * why: the flap guard, a cooldown, a manual review); aggregating: the storm's request comes when its
     * window closes; none: no request was made (resolved during the hold, flapped, or resolved before it fired).
     */
    readonly state: 'created' | 'pending' | 'withheld' | 'aggregating' | 'none';
  };
}

export interface ReadSignalDeps {
  readonly episodes: EpisodeStore;
  readonly storms: StormEpisodes;
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
        state: record.state,
        startedAt: isoSeconds(record.episodeStart),
        lastSeenAt: isoSeconds(record.lastSeen),
        occurrenceCount: record.occurrenceCount,
      },
      lastDecision: { outcome: record.lastOutcome, ...decideSignalAction(record.lastOutcome) },
      remediationRequest: {
        namespace: deps.namespace,
        name: remediationRequestName(parsed.data, record.episodeStart),
        state: record.confirmed ? 'created' : record.withheld ? 'withheld' : record.state === 'open' || record.state === 'resolved' ? 'pending' : 'none',
      },
    };
  }
  const window = await deps.storms.episodeOf(tenant, parsed.data);
  if (!window) throw new NotFoundError('no decision is recorded for this fingerprint (not seen yet, or expired)');
  return {
    fingerprint: parsed.data,
    storm: { state: window.state, windowStart: isoSeconds(window.start) },
    lastDecision: { outcome: 'stormed', ...decideSignalAction('stormed') },
    remediationRequest: {
      namespace: deps.namespace,
      name: remediationRequestName(stormRequestFingerprint(tenant, stormPartOf(parsed.data)), window.start),
      state: window.state === 'collecting' ? 'aggregating' : 'created',
    },
  };
}
