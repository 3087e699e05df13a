import { describe, expect, it } from '@jest/globals';
import { decideAdoption } from '../../../lib/domain/adoption.js';
import { remediationRequestName } from '../../../lib/domain/request-name.js';

const fingerprint = '0123456789abcdef0123456789abcdef';
const own = remediationRequestName(fingerprint, 1_795_000_000);
const other = remediationRequestName(fingerprint, 1_794_000_000);

describe('decideAdoption', () => {
  it('takes its own request as it is, Resolved or not', () => {
    expect(decideAdoption([{ name: other, resolved: false }, { name: own, resolved: true }], own, true)).toEqual({ kind: 'same', resolved: true });
    expect(decideAdoption([{ name: own, resolved: false }], own, false)).toEqual({ kind: 'same', resolved: false });
  });

  it('takes an open request of another episode only when told that the state was lost', () => {
    expect(decideAdoption([{ name: other, resolved: false }], own, true)).toEqual({ kind: 'other', name: other, episodeStart: 1_794_000_000 });
    expect(decideAdoption([{ name: other, resolved: false }], own, false)).toEqual({ kind: 'none' });
  });

  it('never takes a Resolved request of another episode, nor one it did not name', () => {
    expect(decideAdoption([{ name: other, resolved: true }, { name: 'someone-elses', resolved: false }], own, true)).toEqual({ kind: 'none' });
    expect(decideAdoption([], own, true)).toEqual({ kind: 'none' });
  });
});
