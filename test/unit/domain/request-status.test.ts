import { describe, expect, it } from '@jest/globals';
import { decideStatusWrite, deduplicationStatus, type RequestStatus } from '../../../lib/domain/request-status.js';

const dedup = (count: number, lastSeen: number) => deduplicationStatus(count, 1_000, lastSeen);

describe('decideStatusWrite', () => {
  it('writes the desired status onto an empty one', () => {
    const desired: RequestStatus = { deduplication: dedup(1, 1_000), signal: { state: 'Firing' } };
    expect(decideStatusWrite(undefined, desired)).toEqual({ action: 'write', status: desired });
  });

  it('never reopens a Resolved request, and keeps its resolvedAt', () => {
    const current: RequestStatus = { signal: { state: 'Resolved', resolvedAt: '2026-11-30T10:00:00Z' }, deduplication: dedup(5, 1_500) };
    expect(decideStatusWrite(current, { signal: { state: 'Firing' }, deduplication: dedup(3, 1_200) })).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
    // New counts still land on a Resolved request, without reopening it.
    expect(decideStatusWrite(current, { signal: { state: 'Firing' }, deduplication: dedup(7, 1_600) })).toEqual({
      action: 'write',
      status: { signal: current.signal, deduplication: dedup(7, 1_600) },
    });
  });

  it('only lets counts and times grow', () => {
    const current: RequestStatus = { deduplication: dedup(10, 2_000), storm: { members: 9, alertCount: 26, resourceCount: 9, resolvedMembers: 2 } };
    const older: RequestStatus = { deduplication: dedup(4, 1_800), storm: { members: 8, alertCount: 8, resourceCount: 8, resolvedMembers: 0 } };
    expect(decideStatusWrite(current, older)).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
    const mixed = decideStatusWrite(current, { deduplication: dedup(11, 1_900), storm: { members: 8, alertCount: 30, resourceCount: 8, resolvedMembers: 3 } });
    expect(mixed).toEqual({
      action: 'write',
      status: { deduplication: { occurrenceCount: 11, firstSeenAt: dedup(1, 1_000).firstSeenAt, lastSeenAt: dedup(1, 2_000).lastSeenAt }, storm: { members: 9, alertCount: 30, resourceCount: 9, resolvedMembers: 3 } },
    });
  });

  it('moves Firing to Resolved, and skips a write that changes nothing', () => {
    const firing: RequestStatus = { signal: { state: 'Firing' }, deduplication: dedup(2, 1_100) };
    expect(decideStatusWrite(firing, { signal: { state: 'Resolved', resolvedAt: '2026-11-30T10:00:00Z' } })).toEqual({
      action: 'write',
      status: { signal: { state: 'Resolved', resolvedAt: '2026-11-30T10:00:00Z' } },
    });
    expect(decideStatusWrite(firing, { signal: { state: 'Firing' }, deduplication: dedup(2, 1_100) })).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
  });

  it('keeps at least one occurrence and a lastSeen no earlier than firstSeen', () => {
    expect(deduplicationStatus(0, 2_000, 1_000)).toEqual({ occurrenceCount: 1, firstSeenAt: '1970-01-01T00:33:20Z', lastSeenAt: '1970-01-01T00:33:20Z' });
  });

  it('keeps the earliest first-seen time and the latest last-seen time, whichever writer is behind', () => {
    const current: RequestStatus = { deduplication: { occurrenceCount: 3, firstSeenAt: '2026-11-21T10:00:05Z', lastSeenAt: '2026-11-21T10:02:00Z' } };
    const desired: RequestStatus = { deduplication: { occurrenceCount: 3, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:01:00Z' } };
    expect(decideStatusWrite(current, desired)).toEqual({
      action: 'write',
      status: { deduplication: { occurrenceCount: 3, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:02:00Z' } },
    });
  });

  it('leaves the signal as it is when the writer says nothing about it (a counts-only write)', () => {
    const counts = { occurrenceCount: 3, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:02:00Z' };
    expect(decideStatusWrite({ deduplication: counts, signal: { state: 'Firing' } }, { deduplication: counts })).toEqual({ action: 'skip', reason: 'status-current-or-newer' });
  });
});

