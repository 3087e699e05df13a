import { describe, expect, it } from '@jest/globals';
import { decideRemediationGate, parseWithheldRecheckMember, reviewRecheckSeconds, withheldRecheckMember } from '../../../lib/domain/remediation-gate.js';
import { decideStatusWrite, recurrenceStatus } from '../../../lib/domain/request-status.js';

const now = 1_800_000_000;
const fp = 'a'.repeat(32);
const request = (start: number, extra: object = {}) => ({ name: `rr-${fp}-${start.toString(36)}`, ...extra });
const base = { now, episodeStart: now - 600, minFiringSeconds: 0, resolveGraceSeconds: 0, cooldownSeconds: 0, earlier: [] };

describe('decideRemediationGate', () => {
  it('creates at once with nothing earlier and no minimum', () => {
    expect(decideRemediationGate(base)).toEqual({ kind: 'create' });
  });

  it('MIN_FIRING_SECONDS: defers until the episode has fired that long, and not a second longer (both sides)', () => {
    expect(decideRemediationGate({ ...base, episodeStart: now - 59, minFiringSeconds: 60 })).toEqual({ kind: 'deferred', until: now + 1 });
    expect(decideRemediationGate({ ...base, episodeStart: now - 60, minFiringSeconds: 60 })).toEqual({ kind: 'create' });
  });

  it('FLAP_RESOLVE_GRACE_SECONDS: the sweep looks that much later (a late resolve still makes it a flap); a notification after the minimum does not wait', () => {
    expect(decideRemediationGate({ ...base, episodeStart: now - 59, minFiringSeconds: 60, resolveGraceSeconds: 300 })).toEqual({ kind: 'deferred', until: now + 301 });
    expect(decideRemediationGate({ ...base, episodeStart: now - 60, minFiringSeconds: 60, resolveGraceSeconds: 300 })).toEqual({ kind: 'create' });
  });

  it('REMEDIATION_COOLDOWN_SECONDS: a Completed request counts the new episode until the cooldown ends (both sides)', () => {
    const completed = request(now - 7_200, { phase: 'Completed', completedAt: now - 299 });
    expect(decideRemediationGate({ ...base, cooldownSeconds: 300, earlier: [completed] })).toEqual({ kind: 'recurrence', request: completed.name, until: now + 1 });
    const older = { ...completed, completedAt: now - 300 };
    expect(decideRemediationGate({ ...base, cooldownSeconds: 300, earlier: [older] })).toEqual({ kind: 'create', previous: completed.name });
    // Off (0) never suppresses, not even a completedAt a skewed clock put in the future; a Failed remediation never does.
    expect(decideRemediationGate({ ...base, earlier: [{ ...completed, completedAt: now + 30 }] })).toEqual({ kind: 'create', previous: completed.name });
    expect(decideRemediationGate({ ...base, earlier: [completed] })).toEqual({ kind: 'create', previous: completed.name });
    expect(decideRemediationGate({ ...base, cooldownSeconds: 300, earlier: [{ ...completed, phase: 'Failed' }] })).toEqual({ kind: 'create', previous: completed.name });
  });

  it('the cooldown runs from the latest Completed request, not the first found', () => {
    const early = request(now - 9_000, { phase: 'Completed', completedAt: now - 5_000 });
    const late = request(now - 3_000, { phase: 'Completed', completedAt: now - 100 });
    expect(decideRemediationGate({ ...base, cooldownSeconds: 300, earlier: [early, late] })).toMatchObject({ kind: 'recurrence', request: late.name });
  });

  it('ManualReviewRequired blocks until a human clears it (another phase, or the review-cleared label), rechecked every few minutes', () => {
    const inReview = request(now - 7_200, { phase: 'ManualReviewRequired', completedAt: now - 7_000 });
    expect(decideRemediationGate({ ...base, earlier: [inReview] })).toEqual({ kind: 'review-blocked', request: inReview.name, until: now + reviewRecheckSeconds });
    expect(decideRemediationGate({ ...base, earlier: [{ ...inReview, reviewCleared: true }] })).toEqual({ kind: 'create', previous: inReview.name });
    expect(decideRemediationGate({ ...base, earlier: [{ ...inReview, phase: 'Completed' }] })).toEqual({ kind: 'create', previous: inReview.name });
    // The block outranks a cooldown; the flap guard comes first of all (nothing is asked of Kubernetes yet).
    const completed = request(now - 3_000, { phase: 'Completed', completedAt: now - 10 });
    expect(decideRemediationGate({ ...base, cooldownSeconds: 300, earlier: [completed, inReview] })).toMatchObject({ kind: 'review-blocked' });
    expect(decideRemediationGate({ ...base, episodeStart: now, minFiringSeconds: 30, earlier: [inReview] })).toMatchObject({ kind: 'deferred' });
  });

  it('links the latest earlier request by its episode start', () => {
    expect(decideRemediationGate({ ...base, earlier: [request(now - 9_000), request(now - 3_000, { phase: 'Running' }), request(now - 5_000)] })).toEqual({
      kind: 'create',
      previous: request(now - 3_000).name,
    });
  });
});

describe('status.recurrences', () => {
  it('counts each episode once, whoever retries, and never counts an older one after a newer', () => {
    const first = decideStatusWrite(undefined, { recurrences: recurrenceStatus(now) });
    expect(first).toEqual({ action: 'write', status: { recurrences: { count: 1, lastEpisodeStartedAt: '2027-01-15T08:00:00Z' } } });
    const current = { recurrences: { count: 1, lastEpisodeStartedAt: '2027-01-15T08:00:00Z' } };
    expect(decideStatusWrite(current, { recurrences: recurrenceStatus(now) })).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
    expect(decideStatusWrite(current, { recurrences: recurrenceStatus(now - 1) })).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
    expect(decideStatusWrite(current, { recurrences: recurrenceStatus(now + 1) })).toEqual({ action: 'write', status: { recurrences: { count: 2, lastEpisodeStartedAt: '2027-01-15T08:00:01Z' } } });
  });
});

describe('withheld recheck members', () => {
  it('round-trip, and refuse anything else', () => {
    expect(parseWithheldRecheckMember(withheldRecheckMember('team-a', fp))).toEqual({ tenant: 'team-a', fingerprint: fp });
    expect(parseWithheldRecheckMember(`s|team-a|${fp}`)).toBeUndefined();
    expect(parseWithheldRecheckMember(`w|Team|${fp}`)).toBeUndefined();
    expect(parseWithheldRecheckMember(`w|team-a|${fp}0`)).toBeUndefined();
  });
});
