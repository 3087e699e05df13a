import { describe, expect, it } from '@jest/globals';
import { decisionLine, LiveSummary } from '../../../local/decision-lines.js';

describe('decision lines of the local runtime', () => {
  const decision = {
    tenant: 'default',
    fingerprint: '1b1504d91d9180f863444e699802edb1',
    groupKey: '{}:{}',
    alertname: 'KubePodCrashLooping',
    outcome: 'opened',
    action: 'create-request',
    reason: 'new-episode',
  } as const;

  it('shows alert, fingerprint, decision, reason and request', () => {
    expect(decisionLine({ ...decision, request: 'rr-1b1504d91d9180f863444e699802edb1-toujs0' })).toBe(
      'decision  KubePodCrashLooping  1b1504d91d9180f863444e699802edb1  create-request (new-episode)  request rr-1b1504d91d9180f863444e699802edb1-toujs0',
    );
    expect(decisionLine({ ...decision, action: 'hold', reason: 'storm-suspected', outcome: 'held' })).toMatch(/hold \(storm-suspected\) {2}no request$/);
  });

  it('sums the counts since start, storms open as opened minus closed, and has a line only when something changed', () => {
    const summary = new LiveSummary();
    expect(summary.take()).toBeUndefined();
    summary.add('AlertsReceived', 300);
    summary.add('DuplicatesAbsorbed', 5);
    summary.add('StormAlertsAbsorbed', 290);
    summary.add('StormsOpened', 2);
    summary.add('StormsClosed', 1);
    summary.add('RequestsCreated', 3);
    summary.add('RequestsResolved', 1);
    summary.add('DecisionLatency', 1_000);
    expect(summary.take()).toBe('summary   received 300 · duplicates 5 · storm alerts 290 · storms open 1 · requests created 3 · resolved 1');
    expect(summary.take()).toBeUndefined();
    summary.add('AlertsReceived', 1);
    expect(summary.take()).toMatch(/^summary {3}received 301 /);
  });
});

describe('storms open', () => {
  it('never shows fewer than 0 (a storm adopted after Redis lost state closes without opening here)', () => {
    const summary = new LiveSummary();
    summary.add('StormsClosed', 1);
    expect(summary.take()).toMatch(/storms open 0 /);
    summary.add('StormsOpened', 2);
    expect(summary.take()).toMatch(/storms open 1 /);
  });
});
