import { z } from 'zod';
import { decideSignalAction, remediationRequestName, type EpisodeOutcomeKind, type SignalDecision } from '../domain/dedup-decision.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { EpisodeStore } from '../redis/episode-store.js';

const fingerprintSchema = z.string().regex(/^[0-9a-f]{32}$/);

export interface SignalDecisionReceipt {
  readonly fingerprint: string;
  readonly episode: {
    readonly state: 'open' | 'resolved';
    readonly startedAt: string;
    readonly lastSeenAt: string;
    readonly occurrenceCount: number;
  };
  readonly lastDecision: SignalDecision & { readonly outcome: EpisodeOutcomeKind };
  readonly remediationRequest: {
    readonly namespace: string;
    readonly name: string;
    /** pending: reserved, not yet confirmed created (dedup will complete it). */
    readonly state: 'created' | 'pending' | 'unknown';
  };
}

/** `GET /v1/signals/{fingerprint}`: the latest decision about a signal of the caller's tenant, and why. */
export async function readSignalDecision(
  tenant: string,
  fingerprint: string | undefined,
  deps: { readonly episodes: EpisodeStore; readonly namespace: string },
): Promise<SignalDecisionReceipt> {
  const parsed = fingerprintSchema.safeParse(fingerprint);
  if (!parsed.success) throw new InvalidInputError('fingerprint must be 32 lowercase hex characters', 'fingerprint');
  const record = await deps.episodes.read(tenant, parsed.data);
  if (!record) throw new NotFoundError('no decision is recorded for this fingerprint (not seen yet, or expired)');
  return {
    fingerprint: parsed.data,
    episode: {
      state: record.state === 'closed' ? 'resolved' : 'open',
      startedAt: new Date(record.episodeStart * 1000).toISOString(),
      lastSeenAt: new Date(record.lastSeen * 1000).toISOString(),
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
