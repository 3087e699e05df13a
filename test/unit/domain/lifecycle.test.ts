import { describe, expect, it } from '@jest/globals';
import { decideSignalAction, episodeOutcomes, luaLifecycleConstants, type OutcomeKind, stormOutcomes } from '../../../lib/domain/lifecycle.js';
import { episodeStartOfRequestName, remediationRequestName } from '../../../lib/domain/request-name.js';

describe('decideSignalAction', () => {
  it.each<[OutcomeKind, string, string]>([
    ['opened', 'create-request', 'new-episode'],
    ['pending', 'create-request', 'completing-reserved-episode'],
    ['repeated', 'count-duplicate', 'duplicate-of-open-episode'],
    ['redelivered', 'count-duplicate', 'ha-peer-redelivery'],
    ['joined', 'count-duplicate', 'another-alert-of-resource'],
    ['closed', 'mark-resolved', 'resolved-open-episode'],
    ['member-resolved', 'ignore', 'alert-of-resource-resolved'],
    ['held', 'hold', 'storm-suspected'],
    ['tombstone', 'mark-resolved', 'resolved-without-open-episode'],
    ['stale', 'ignore', 'stale-delivery'],
    ['retried', 'ignore', 'lambda-retry'],
    ['ended-in-hold', 'ignore', 'resolved-during-hold'],
    ['stormed', 'join-storm', 'part-of-storm'],
    ['absorbed', 'join-storm', 'storm-member-repeated'],
    ['storm-member-resolved', 'join-storm', 'storm-member-resolved'],
    ['storm-resolved', 'join-storm', 'storm-resolved'],
  ])('%s → %s (%s)', (outcome, action, reason) => {
    expect(decideSignalAction(outcome)).toEqual({ action, reason });
  });

  it('covers every outcome the Redis step can report', () => {
    for (const outcome of [...Object.keys(episodeOutcomes), ...stormOutcomes] as OutcomeKind[]) {
      expect(decideSignalAction(outcome)).toBeDefined();
    }
  });
});

describe('luaLifecycleConstants', () => {
  it('gives every state, outcome and phase a Lua name with the TypeScript code', () => {
    const lua = luaLifecycleConstants();
    expect(lua).toContain('local ST_RESOLVED = 3');
    expect(lua).toContain('local OC_MEMBER_RESOLVED = 6');
    expect(lua).toContain('local OC_ENDED_IN_HOLD = 11');
    expect(lua).toContain("[11] = 'ended-in-hold'");
    // A Lua table constructor: every entry separated by a comma (Redis refuses the script otherwise).
    expect(lua).toMatch(/^local OUTCOME_NAME = \{\[\d+\] = '[a-z-]+'(, \[\d+\] = '[a-z-]+')+\}$/m);
    expect(lua).toContain("local PH_OPEN = 'o'");
    // Outcomes are stored in 4 bits of the record.
    expect(Math.max(...Object.values(episodeOutcomes))).toBeLessThan(16);
  });
});

describe('remediationRequestName', () => {
  it('is deterministic per fingerprint and episode, a valid DNS-1123 subdomain, and carries the episode start', () => {
    const fingerprint = '0123456789abcdef0123456789abcdef';
    const name = remediationRequestName(fingerprint, 1_763_700_000);
    expect(name).toBe(remediationRequestName(fingerprint, 1_763_700_000));
    expect(name).not.toBe(remediationRequestName(fingerprint, 1_763_700_001));
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(episodeStartOfRequestName(name)).toBe(1_763_700_000);
    expect(episodeStartOfRequestName('rr-not-ours')).toBeUndefined();
    // The whole name only: a prefix or a suffix makes it another object's name.
    expect(episodeStartOfRequestName(`x${name}`)).toBeUndefined();
    expect(episodeStartOfRequestName(`${name}-2`)).toBeUndefined();
  });
});
