import { describe, expect, it } from '@jest/globals';
import { decideSignalAction, type EpisodeOutcome, remediationRequestName } from '../../../lib/domain/dedup-decision.js';

describe('decideSignalAction', () => {
  it.each<[EpisodeOutcome, string, string]>([
    [{ kind: 'redelivered', episodeStart: 1, occurrenceCount: 2 }, 'count-duplicate', 'ha-peer-redelivery'],
    [{ kind: 'opened', episodeStart: 1 }, 'create-request', 'new-episode'],
    [{ kind: 'pending', episodeStart: 1, occurrenceCount: 2 }, 'create-request', 'completing-reserved-episode'],
    [{ kind: 'repeated', episodeStart: 1, occurrenceCount: 3 }, 'count-duplicate', 'duplicate-of-open-episode'],
    [{ kind: 'closed', episodeStart: 1, occurrenceCount: 3 }, 'mark-resolved', 'resolved-open-episode'],
    [{ kind: 'unmatched' }, 'ignore', 'resolved-without-open-episode'],
  ])('%j → %s (%s)', (outcome, action, reason) => {
    expect(decideSignalAction(outcome)).toEqual({ action, reason });
  });
});

describe('remediationRequestName', () => {
  it('is deterministic per fingerprint and episode, and a valid DNS-1123 subdomain', () => {
    const fingerprint = '0123456789abcdef0123456789abcdef';
    const name = remediationRequestName(fingerprint, 1_763_700_000);
    expect(name).toBe(remediationRequestName(fingerprint, 1_763_700_000));
    expect(name).not.toBe(remediationRequestName(fingerprint, 1_763_700_001));
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });
});
