import type { EpisodeState } from './lifecycle.js';

/** What the sweep does with a deferred status write, given the episode record it finds. */
export type StatusFlushDecision =
  | { readonly action: 'write'; readonly reason: 'occurrences-not-yet-in-status' }
  | { readonly action: 'drop'; readonly reason: 'episode-gone' | 'episode-closed' | 'request-not-confirmed' | 'status-current' };


export interface StatusFlushInput {
  readonly state: EpisodeState;
  readonly confirmed: boolean;
  readonly statusDirty: boolean;
}

/** Pure: write the latest counts only for an open episode whose request exists and whose status is stale. */
export function decideStatusFlush(record: StatusFlushInput | undefined): StatusFlushDecision {
  if (!record) return { action: 'drop', reason: 'episode-gone' };
  // A closed episode's request was marked Resolved with its counts by the resolve.
  if (record.state === 'ended' || record.state === 'resolved') return { action: 'drop', reason: 'episode-closed' };
  // An unconfirmed episode's creation path writes the counts itself when it completes.
  if (record.state === 'held' || !record.confirmed) return { action: 'drop', reason: 'request-not-confirmed' };
  if (!record.statusDirty) return { action: 'drop', reason: 'status-current' };
  return { action: 'write', reason: 'occurrences-not-yet-in-status' };
}

/** The due-index member of a deferred status write. Tenants are [a-z0-9-], fingerprints hex. */
export function statusFlushMember(tenant: string, fingerprint: string): string {
  return `s|${tenant}|${fingerprint}`;
}

export function parseStatusFlushMember(member: string): { tenant: string; fingerprint: string } | undefined {
  const match = /^s\|([a-z0-9][a-z0-9-]{0,31})\|([0-9a-f]{32})$/.exec(member);
  return match?.[1] && match[2] ? { tenant: match[1], fingerprint: match[2] } : undefined;
}
