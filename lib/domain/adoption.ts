import type { EarlierRequest } from './remediation-gate.js';
import { episodeStartOfRequestName } from './request-name.js';

/**
 * A request found by label: its name, whether it already shows Resolved, its fingerprint label, and what
 * the remediation controller made of it.
 */
export interface FoundRequest extends EarlierRequest {
  readonly resolved: boolean;
  readonly fingerprint?: string;
}

export type Adoption =
  | { readonly kind: 'none' }
  | { readonly kind: 'same'; readonly resolved: boolean }
  | { readonly kind: 'other'; readonly name: string; readonly episodeStart: number };

/**
 * Pure: which existing request an episode (or storm episode) about to be created takes over, after Redis
 * may have lost its state. Its own request (same name) as it is, Resolved or not; otherwise, when
 * `takeOpenOfOtherEpisode`, an open request of another episode (the state that would have said "this is
 * still that episode" is gone); otherwise none, and the caller creates.
 */
export function decideAdoption(found: readonly FoundRequest[], ownName: string, takeOpenOfOtherEpisode: boolean): Adoption {
  const same = found.find((request) => request.name === ownName);
  if (same) return { kind: 'same', resolved: same.resolved };
  if (!takeOpenOfOtherEpisode) return { kind: 'none' };
  for (const request of found) {
    const episodeStart = episodeStartOfRequestName(request.name);
    if (!request.resolved && episodeStart !== undefined) return { kind: 'other', name: request.name, episodeStart };
  }
  return { kind: 'none' };
}
