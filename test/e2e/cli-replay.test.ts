import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type SimEvent, simulateAlertmanager } from '../support/alertmanager-simulator.js';
import { runStormgate } from '../support/stormgate-command.js';

/**
 * `stormgate replay` run as a process, as a user runs it: the bundled recordings give the numbers their
 * README derives from docs/LIFECYCLE.md (test/fixtures/recordings/README.md, "Expected"), not numbers read
 * off a previous run.
 */

interface Tally {
  alerts: number;
  duplicates: number;
  stormAlerts: number;
  requests: number;
  storms: number;
  resolved: number;
}
interface ReplayJson {
  file: string;
  notifications: number;
  settings: { name: string; totals: Tally; byAlertname: Record<string, Tally>; metrics: Record<string, number>; refused: { line: number; problem: string }[] }[];
}

const recording = (name: string) => `test/fixtures/recordings/${name}.jsonl`;
const replayJson = async (args: string[]) => {
  const result = await runStormgate(['replay', ...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ReplayJson;
};

const directory = mkdtempSync(join(tmpdir(), 'sg-replay-'));
const minute = 60_000;

/** A recording of `pods` pods of one namespace failing together and recovering 30 minutes later, as Alertmanager sends it. */
function podsFailingTogether(pods: number): string {
  const labels = (pod: number) => ({ alertname: 'KubePodNotReady', namespace: 'edge', pod: `web-${pod}`, severity: 'warning' });
  const events: SimEvent[] = Array.from({ length: pods }, (_, pod): SimEvent[] => [
    { at: minute, kind: 'fire', alert: { labels: labels(pod) } },
    { at: 31 * minute, kind: 'resolve', alert: { labels: labels(pod) } },
  ]).flat();
  const config = { groupBy: ['alertname', 'namespace'], groupWaitMs: 30_000, groupIntervalMs: 5 * minute, repeatIntervalMs: 4 * 60 * minute, sendResolved: true, maxAlerts: 0, startTimeIso: '2026-11-30T00:00:00Z' };
  const path = join(directory, `pods-${pods}.jsonl`);
  writeFileSync(path, simulateAlertmanager(events, config).map((notification) => `${JSON.stringify({ offsetMs: notification.at, body: notification.payload })}\n`).join(''));
  return path;
}

describe('stormgate replay', () => {
  it.each([
    // recording, single requests, storm requests (README "Expected", defaults)
    ['node-failure-storm', 50, 11],
    ['flapping-alert', 10, 0],
    ['ha-pair', 5, 1],
    ['rollout', 11, 0],
    ['quiet-day', 8, 0],
  ])('%s: %i single requests and %i storm requests with the defaults, every one resolved by the end', async (name, requests, storms) => {
    const { settings, notifications } = await replayJson([recording(name)]);
    expect(settings).toHaveLength(1);
    const [outcome] = settings;
    expect(outcome?.name).toBe('defaults');
    expect(outcome?.refused).toEqual([]);
    expect(outcome?.totals).toMatchObject({ requests, storms, resolved: requests + storms });
    // What the deployed dashboard would show agrees with what Kubernetes holds.
    expect(outcome?.metrics).toMatchObject({ RequestsCreated: requests + storms, RequestsResolved: requests + storms });
    expect(outcome?.metrics.StormsOpened ?? 0).toBe(storms);
    expect(outcome?.metrics.AlertsReceived).toBe(outcome?.totals.alerts);
    expect(notifications).toBeGreaterThan(0);
  });

  it('node failure storm: one storm per namespace over the threshold; STORM_THRESHOLD=20 leaves 2 storms and 202 single requests; cluster scope makes 11 requests in all', async () => {
    const compared = await replayJson([recording('node-failure-storm'), '--compare', 'STORM_THRESHOLD=20']);
    expect(compared.settings.map((setting) => [setting.name, setting.totals.requests, setting.totals.storms])).toEqual([
      ['defaults', 50, 11],
      ['STORM_THRESHOLD=20', 202, 2],
    ]);
    const [cluster] = (await replayJson([recording('node-failure-storm'), '--set', 'STORM_SCOPE=cluster'])).settings;
    expect((cluster?.totals.requests ?? 0) + (cluster?.totals.storms ?? 0)).toBe(11);
  });

  it('rollout: the crash-looping pods a rollout replaces are 9 requests by pod and 1 by owner (the recordings README’s 3 in all)', async () => {
    const { settings } = await replayJson([recording('rollout'), '--compare', 'FINGERPRINT_STRATEGY=owner']);
    expect(settings.map((setting) => [setting.name, setting.byAlertname.KubePodCrashLooping?.requests, setting.totals.requests, setting.totals.resolved])).toEqual([
      ['defaults', 9, 11, 11],
      ['FINGERPRINT_STRATEGY=owner', 1, 3, 3],
    ]);
  });

  it('flapping alert: MIN_FIRING_SECONDS=600 leaves its 10 episodes flapped with no request; at 60 each still gets one', async () => {
    const { settings } = await replayJson([recording('flapping-alert'), '--set', 'MIN_FIRING_SECONDS=600', '--compare', 'MIN_FIRING_SECONDS=60']);
    expect(settings.map((setting) => [setting.name, setting.totals.requests, setting.metrics.SignalsFlapped ?? 0])).toEqual([
      ['MIN_FIRING_SECONDS=600', 0, 10],
      ['MIN_FIRING_SECONDS=60', 10, 0],
    ]);
  });

  it('HA pair: the second peer’s copy of every alert is counted, never a request (README: which reason each copy gets)', async () => {
    const [outcome] = (await replayJson([recording('ha-pair')])).settings;
    // 56 alert entries in 16 notifications: each notification twice.
    expect(outcome?.totals.alerts).toBe(56);
    expect(outcome?.byAlertname).toMatchObject({
      // Firing twice: the second copy an HA redelivery; the resolves are not counted as duplicates.
      TargetDown: { alerts: 4, duplicates: 1, requests: 1, resolved: 1 },
      KubeDeploymentReplicasMismatch: { alerts: 4, duplicates: 1, requests: 1, resolved: 1 },
      // Held pods: the copy during the hold completes the same request (no duplicate, no second request).
      KubePodCrashLooping: { duplicates: 0, requests: 3, resolved: 3 },
      // Every delivery of a storm member, both copies, is absorbed into the one storm request.
      KubePodNotReady: { requests: 0, storms: 1, resolved: 1 },
    });
  });

  it('a storm needs more resources than STORM_THRESHOLD: 6 pods at once are one storm at 5, six requests at 6', async () => {
    const { settings } = await replayJson([podsFailingTogether(6), '--set', 'STORM_THRESHOLD=5', '--compare', 'STORM_THRESHOLD=6']);
    expect(settings.map((setting) => [setting.name, setting.totals.requests, setting.totals.storms, setting.totals.resolved])).toEqual([
      ['STORM_THRESHOLD=5', 0, 1, 1],
      ['STORM_THRESHOLD=6', 6, 0, 6],
    ]);
  });

  it('prints a table per alertname, a total and what the setting made of it; --progress draws the bar on stderr', async () => {
    const result = await runStormgate(['replay', recording('rollout'), '--progress', '--speed', '100000x']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^replayed rollout\.jsonl: 11 notification\(s\), 50m 0s of alerts in \d+\.\d s$/);
    expect(lines).toContainEqual(expect.stringMatching(/^alertname +alerts +duplicates +storm alerts +requests +storms +resolved$/));
    expect(lines).toContainEqual(expect.stringMatching(/^KubePodCrashLooping +\d+ +\d+ +0 +9 +0 +9$/));
    expect(lines).toContainEqual(expect.stringMatching(/^total +39 +\d+ +0 +11 +0 +11$/));
    expect(lines).toContainEqual(expect.stringMatching(/^defaults: 11 RemediationRequest\(s\) for 39 alerts — 11 for single signals, 0 aggregated storm\(s\)/));
    const bars = result.stderr.trim().split('\n');
    expect(bars[0]).toMatch(/^\[█*░+\] {3}9% {2}1\/11 notifications/);
    expect(bars.at(-1)).toMatch(/^\[█+\] 100% {2}11\/11 notifications · 50m 0s of alerts$/);
  });

  it('lists the notifications ingest would refuse and exits 1; the rest are still replayed', async () => {
    const path = podsFailingTogether(2);
    writeFileSync(path, `${JSON.stringify({ offsetMs: 0, body: { version: '4', alerts: 'none' } })}\n`, { flag: 'a' });
    const result = await runStormgate(['replay', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/1 notification\(s\) would be refused/);
    expect(result.stdout).toMatch(/line \d+: 400: /);
    expect(result.stdout).toMatch(/defaults: 2 RemediationRequest\(s\)/);
  });

  it('warns that a short TTL runs in real seconds, and still replays', async () => {
    const result = await runStormgate(['replay', recording('rollout'), '--json', '--set', 'DEDUP_IDLE_TTL_SECONDS=3599', '--compare', 'DEDUP_IDLE_TTL_SECONDS=3600']);
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: DEDUP_IDLE_TTL_SECONDS=3599: Redis TTLs run in real seconds during a replay/)]);
  });

  it.each([
    [['replay'], /replay takes one recording/],
    [['replay', 'a.jsonl', 'b.jsonl'], /replay takes one recording/],
    [['replay', 'missing.jsonl'], /cannot read missing\.jsonl: ENOENT/],
    [['replay', recording('rollout'), '--set', 'STORM_TRESHOLD=5'], /--set STORM_TRESHOLD: not a stormgate variable/],
    [['replay', recording('rollout'), '--set', 'STORM_THRESHOLD=0'], /STORM_THRESHOLD=0: invalid configuration: STORM_THRESHOLD/],
    [['replay', recording('rollout'), '--compare', 'STORM_SCOPE=galaxy'], /STORM_SCOPE=galaxy: invalid configuration: STORM_SCOPE/],
    [['replay', recording('rollout'), '--speed', 'fast'], /--speed takes a factor/],
  ])('usage errors exit 2 and name the problem: %j', async (args, message) => {
    const result = await runStormgate(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage: stormgate replay');
  });
});
