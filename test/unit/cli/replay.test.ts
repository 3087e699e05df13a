import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAssignments, parseSpeed } from '../../../cli/commands/replay.js';
import { readRecording, recordingStartMs } from '../../../cli/replay/recording.js';
import type { ReplayOutcome } from '../../../cli/replay/replay-pipeline.js';
import { VirtualClock } from '../../../cli/replay/virtual-clock.js';
import { compareReport, duration, progressBar, singleReport, verdict } from '../../../cli/replay/replay-report.js';
import { alert, webhook } from '../../support/builders/webhook.js';
import { seededRandom } from '../../../local/kube-standin/server.js';

const directory = mkdtempSync(join(tmpdir(), 'sg-replay-unit-'));
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};
const line = (value: unknown) => JSON.stringify(value);

describe('readRecording', () => {
  it('reads lines in offset order (stable for equal offsets), skipping blank lines', () => {
    const path = file('ok.jsonl', [line({ offsetMs: 500, body: { n: 1 } }), '', line({ offsetMs: 0, body: { n: 2 } }), line({ offsetMs: 500, body: { n: 3 } }), ''].join('\n'));
    expect(readRecording(path).map((notification) => [notification.line, notification.offsetMs, notification.body])).toEqual([
      [3, 0, '{"n":2}'],
      [1, 500, '{"n":1}'],
      [4, 500, '{"n":3}'],
    ]);
  });

  it.each([
    ['not JSON', '{"offsetMs": 1', /line 1 is not JSON/],
    ['a negative offset', line({ offsetMs: -1, body: {} }), /line 1 is not a recorded notification: offsetMs/],
    ['no body', line({ offsetMs: 1 }), /line 1 is not a recorded notification: body/],
    ['a body that is not an object', line({ offsetMs: 1, body: [1] }), /line 1 is not a recorded notification: body/],
    ['a receivedAt that is no time', line({ offsetMs: 1, receivedAt: 'yesterday', body: {} }), /receivedAt/],
  ])('refuses %s, naming the line', (_, text, message) => {
    expect(() => readRecording(file('bad.jsonl', `${line({ offsetMs: 0, body: {} })}\n${text}`))).toThrow(new RegExp(message.source.replace('line 1', 'line 2')));
  });

  it('takes the timeline from receivedAt when every line has it (recordings appended to one file restart their offsets)', () => {
    const path = file(
      'appended.jsonl',
      [
        line({ offsetMs: 0, receivedAt: '2026-11-30T00:00:00Z', body: { n: 1 } }),
        line({ offsetMs: 60_000, receivedAt: '2026-11-30T00:01:00Z', body: { n: 2 } }),
        line({ offsetMs: 0, receivedAt: '2026-11-30T00:00:30Z', body: { n: 3 } }),
      ].join('\n'),
    );
    const notifications = readRecording(path);
    expect(notifications.map((notification) => [notification.body, notification.offsetMs])).toEqual([
      ['{"n":1}', 0],
      ['{"n":3}', 30_000],
      ['{"n":2}', 60_000],
    ]);
    expect(recordingStartMs(notifications)).toBe(Date.parse('2026-11-30T00:00:00Z'));
    // One line without it: the offsets are the timeline.
    const mixed = file('mixed.jsonl', [line({ offsetMs: 5, receivedAt: '2026-11-30T00:00:00Z', body: { n: 1 } }), line({ offsetMs: 1, body: { n: 2 } })].join('\n'));
    expect(readRecording(mixed).map((notification) => notification.offsetMs)).toEqual([1, 5]);
  });

  it('refuses an empty file and a missing one', () => {
    expect(() => readRecording(file('empty.jsonl', '\n\n'))).toThrow(/has no notifications/);
    expect(() => readRecording(join(directory, 'missing.jsonl'))).toThrow(/cannot read .*missing\.jsonl: ENOENT/);
  });
});

describe('recordingStartMs', () => {
  const notification = (offsetMs: number, body: unknown, receivedAt?: string) => ({ line: 1, offsetMs, body: JSON.stringify(body), ...(receivedAt && { receivedAt }) });

  it('is exact when a line carries receivedAt', () => {
    expect(recordingStartMs([notification(0, {}), notification(30_000, {}, '2026-11-30T00:01:00Z')])).toBe(Date.parse('2026-11-30T00:00:30Z'));
  });

  it('is otherwise the latest alert start or resolve, less the offset of the notification that carried it', () => {
    const firing = webhook([alert({ labels: { alertname: 'A', pod: 'p' }, startsAt: '2026-11-30T00:00:00Z' })]);
    const resolved = webhook([alert({ labels: { alertname: 'A', pod: 'p' }, status: 'resolved', startsAt: '2026-11-30T00:00:00Z', endsAt: '2026-11-30T00:10:00Z' })]);
    // The resolve at 00:10:00 was delivered 9 minutes into the recording: it began at 00:01:00 at the latest.
    expect(recordingStartMs([notification(30_000, firing), notification(9 * 60_000, resolved)])).toBe(Date.parse('2026-11-30T00:01:00Z'));
    // Only the start: the first delivery came at offset 30 s.
    expect(recordingStartMs([notification(30_000, firing)])).toBe(Date.parse('2026-11-29T23:59:30Z'));
    expect(recordingStartMs([notification(0, { not: 'a webhook' })])).toBeUndefined();
  });
});

describe('replay options', () => {
  it('takes stormgate variables as NAME=value, the value as written (even with = in it)', () => {
    expect(parseAssignments('--set', ['STORM_THRESHOLD=10', 'STORM_SCOPE=cluster', 'CLUSTER_ID=a=b'])).toEqual({ STORM_THRESHOLD: '10', STORM_SCOPE: 'cluster', CLUSTER_ID: 'a=b' });
  });

  it.each([
    ['STORM_THRESHOLD', /--set takes NAME=value/],
    ['storm_threshold=1', /--set takes NAME=value/],
    ['STORM_TRESHOLD=1', /STORM_TRESHOLD: not a stormgate variable/],
    ['REDIS_URL=redis://x:1', /REDIS_URL: a replay runs on its own Redis/],
    ['KUBE_API_URL=http://x', /KUBE_API_URL: a replay runs on its own/],
    ['RR_NAMESPACE=remediation', /RR_NAMESPACE: a replay runs on its own/],
    ['TENANT_RATE_BURST=10', /TENANT_RATE_BURST: the tenant budget meters real seconds/],
    ['LOG_LEVEL=DEBUG', /LOG_LEVEL: it changes nothing a replay shows/],
    ['AUTH_TOKENS=x', /AUTH_TOKENS: a replay does not authenticate/],
  ])('refuses %s', (assignment, message) => {
    expect(() => parseAssignments('--set', [assignment])).toThrow(message);
  });

  it('reads a speed factor, or max for no waiting', () => {
    expect(parseSpeed('max')).toBeUndefined();
    expect(parseSpeed('10x')).toBe(10);
    expect(parseSpeed('2.5x')).toBe(2.5);
    expect(parseSpeed('60')).toBe(60);
    for (const wrong of ['0x', 'x', 'fast', '-2x', '']) expect(() => parseSpeed(wrong)).toThrow(/--speed takes a factor/);
  });
});

describe('replay report', () => {
  const outcome = (setting: Record<string, string>, byAlertname: [string, Partial<Record<'alerts' | 'duplicates' | 'stormAlerts' | 'requests' | 'storms' | 'resolved', number>>][]): ReplayOutcome => ({
    setting,
    notifications: 12,
    refused: [],
    spanMs: 95 * 60_000,
    byAlertname: new Map(byAlertname.map(([name, tally]) => [name, { alerts: 0, duplicates: 0, stormAlerts: 0, requests: 0, storms: 0, resolved: 0, ...tally }])),
    metrics: {},
  });
  const storm = outcome({}, [
    ['KubePodNotReady', { alerts: 300, stormAlerts: 290, requests: 4, storms: 1, resolved: 5 }],
    ['TargetDown', { alerts: 7, duplicates: 6, requests: 1 }],
  ]);

  it('formats spans as an operator reads them', () => {
    expect([duration(12_400), duration(250_000), duration(95 * 60_000), duration(26 * 3_600_000)]).toEqual(['12s', '4m 10s', '1h 35m', '26h 0m']);
  });

  it('tabulates per alertname with a total, and says what the setting made of the recording', () => {
    const lines = singleReport('flood.jsonl', storm, 2_345);
    expect(lines[0]).toBe('replayed flood.jsonl: 12 notification(s), 1h 35m of alerts in 2.3 s');
    expect(lines.slice(2, 6)).toEqual([
      'alertname        alerts  duplicates  storm alerts  requests  storms  resolved',
      'KubePodNotReady     300           0           290         4       1         5',
      'TargetDown            7           6             0         1       0         0',
      'total               307           6           290         5       1         5',
    ]);
    expect(verdict(storm)).toBe(
      'defaults: 6 RemediationRequest(s) for 307 alerts — 5 for single signals, 1 aggregated storm(s) absorbing 290 alerts; 6 duplicates counted on open requests; 5 resolved by the end',
    );
  });

  it('lists refused notifications (at most 10) after the verdict', () => {
    const refused = { ...storm, refused: Array.from({ length: 12 }, (_, index) => ({ line: index + 1, problem: '400: alerts: expected array' })) };
    const lines = singleReport('flood.jsonl', refused, 1);
    expect(lines).toContain('12 notification(s) would be refused (Alertmanager would retry them, and they count nothing):');
    expect(lines.filter((text) => text.startsWith('  line '))).toHaveLength(10);
    expect(lines.at(-1)).toBe('  … and 2 more');
  });

  it('compares two settings side by side, an alertname missing from one counting 0 there', () => {
    const higher = outcome({ STORM_THRESHOLD: '400' }, [
      ['KubePodNotReady', { alerts: 300, duplicates: 10, requests: 290, resolved: 290 }],
      ['TargetDown', { alerts: 7, duplicates: 6, requests: 1 }],
      ['Watchdog', { alerts: 1, requests: 1 }],
    ]);
    const lines = compareReport('flood.jsonl', [storm, higher], 5_000);
    expect(lines.slice(0, 3)).toEqual(['replayed flood.jsonl twice: 12 notification(s), 1h 35m of alerts in 5.0 s', '  A: defaults', '  B: STORM_THRESHOLD=400']);
    expect(lines.slice(4, 9)).toEqual([
      'alertname        A requests  A storms  A absorbed  │  B requests  B storms  B absorbed',
      'KubePodNotReady           4         1         290  │         290         0          10',
      'TargetDown                1         0           6  │           1         0           6',
      'Watchdog                  0         0           0  │           1         0           0',
      'total                     5         1         296  │         292         0          16',
    ]);
    expect(lines.at(-1)).toMatch(/^B STORM_THRESHOLD=400: 292 RemediationRequest\(s\) for 308 alerts/);
    // Each side's refusals, labelled.
    const refusing = compareReport('flood.jsonl', [storm, { ...higher, refused: [{ line: 3, problem: '400: alerts[0].labels: at most 3' }] }], 5_000);
    expect(refusing.slice(-2)).toEqual(['B: 1 notification(s) would be refused (Alertmanager would retry them, and they count nothing):', '  line 3: 400: alerts[0].labels: at most 3']);
  });

  it('draws progress as a bar, percent, count and alert time', () => {
    expect(progressBar({ done: 0, total: 4, atMs: 0 }, 8)).toBe('[░░░░░░░░]   0%  0/4 notifications · 0s of alerts');
    expect(progressBar({ done: 3, total: 4, atMs: 61_000 }, 8)).toBe('[██████░░]  75%  3/4 notifications · 1m 1s of alerts');
    expect(progressBar({ done: 4, total: 4, atMs: 3_600_000 }, 8)).toBe('[████████] 100%  4/4 notifications · 1h 0m of alerts');
  });
});

describe('VirtualClock', () => {
  it('moves only when every task waits, straight to the earliest wake-up, and runs work at the same instant together', async () => {
    const clock = new VirtualClock(1_000);
    const seen: string[] = [];
    const task = (name: string, arriveAt: number, holdMs: number) => async () => {
      await clock.sleepUntil(arriveAt);
      seen.push(`${name} arrives ${clock.now()}`);
      // Work that takes real time (I/O) does not move the clock.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await clock.sleep(holdMs);
      seen.push(`${name} released ${clock.now()}`);
    };
    await clock.runAll([task('a', 2_000, 3_000), task('b', 3_000, 3_000), task('c', 10_000, 0), task('d', 2_000, 0)]);
    // b arrives while a is held; d (no hold) finishes at its arrival; c comes last.
    expect(seen).toEqual(['a arrives 2000', 'd arrives 2000', 'd released 2000', 'b arrives 3000', 'a released 5000', 'b released 6000', 'c arrives 10000', 'c released 10000']);
    expect(clock.now()).toBe(10_000);
  });

  it('never goes back: a wake-up in the past resolves at once at the current time', async () => {
    const clock = new VirtualClock(5_000);
    const at: number[] = [];
    await clock.runAll([
      async () => {
        await clock.sleepUntil(1_000);
        at.push(clock.now());
      },
    ]);
    expect(at).toEqual([5_000]);
  });

  it('lets the other tasks finish when one fails, then rejects with that failure', async () => {
    const clock = new VirtualClock(0);
    let finished = false;
    const failing = async () => {
      await clock.sleepUntil(10);
      throw new Error('redis down');
    };
    const other = async () => {
      await clock.sleepUntil(20);
      finished = true;
    };
    await expect(clock.runAll([failing, other])).rejects.toThrow('redis down');
    expect(finished).toBe(true);
    expect(clock.now()).toBe(20);
  });
});

describe('VirtualClock at scale', () => {
  it('wakes 200,000 seeded random sleepers in time order (equal times in arrival order), never going back', async () => {
    const random = seededRandom(20261201);
    const clock = new VirtualClock(0);
    const woke: [number, number][] = [];
    const wakeUps = Array.from({ length: 200_000 }, () => Math.floor(random() * 50_000));
    await clock.runAll(
      wakeUps.map((at, index) => async () => {
        await clock.sleepUntil(at);
        woke.push([clock.now(), index]);
      }),
    );
    expect(woke).toHaveLength(wakeUps.length);
    for (let position = 1; position < woke.length; position += 1) {
      const [previousAt, previousIndex] = woke[position - 1] as [number, number];
      const [at, index] = woke[position] as [number, number];
      expect(at).toBe(Math.max(wakeUps[index] as number, 0));
      if (at === previousAt) expect(index).toBeGreaterThan(previousIndex);
      else expect(at).toBeGreaterThan(previousAt);
    }
  });
});
