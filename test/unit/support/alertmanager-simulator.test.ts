import { describe, expect, it } from '@jest/globals';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import {
  alertmanagerFingerprint,
  notificationBodies,
  type SimAlert,
  type SimConfig,
  type SimEvent,
  type SimNotification,
  simulateAlertmanager,
} from '../../support/alertmanager-simulator.js';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;

const config: SimConfig = {
  groupBy: ['alertname', 'namespace'],
  groupWaitMs: 30 * s,
  groupIntervalMs: 5 * m,
  repeatIntervalMs: 4 * h,
  sendResolved: true,
  maxAlerts: 0,
};

const pod = (name: string, extra: Record<string, string> = {}, namespace = 'shop'): SimAlert => ({
  labels: { alertname: 'PodCrash', namespace, pod: name, ...extra },
  annotations: { summary: `pod ${name} crashes` },
});
const fire = (at: number, alert: SimAlert): SimEvent => ({ at, kind: 'fire', alert });
const resolve = (at: number, alert: SimAlert): SimEvent => ({ at, kind: 'resolve', alert });

/** `pod:status` of every alert a notification carries, in payload order. */
const members = (notification: SimNotification | undefined): string[] =>
  (notification?.payload.alerts ?? []).map((alert) => `${alert.labels.pod ?? '?'}:${alert.status}`);
const times = (notifications: SimNotification[]): number[] => notifications.map((notification) => notification.at);

describe('alertmanager simulator', () => {
  it('sends the first notification group_wait after the group formed, with every alert that arrived meanwhile', () => {
    const sent = simulateAlertmanager([fire(0, pod('a')), fire(10 * s, pod('b'))], config, { horizonMs: 1 * h });

    expect(times(sent)).toEqual([30 * s]);
    const [first] = sent;
    expect(first?.reason).toBe('first');
    expect(members(first)).toEqual(['a:firing', 'b:firing']);
    expect(first?.payload).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'stormgate',
      notification_reason: 'first notification',
      truncatedAlerts: 0,
      groupLabels: { alertname: 'PodCrash', namespace: 'shop' },
      commonLabels: { alertname: 'PodCrash', namespace: 'shop' },
      commonAnnotations: {},
      routeLabels: {},
    });
    expect(first?.payload.alerts[1]).toEqual({
      status: 'firing',
      labels: { alertname: 'PodCrash', namespace: 'shop', pod: 'b' },
      annotations: { summary: 'pod b crashes' },
      startsAt: '2026-11-30T00:00:10Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: alertmanagerFingerprint({ alertname: 'PodCrash', namespace: 'shop', pod: 'b' }),
    });
  });

  it('sends an alert that joins an existing group at the next group_interval tick, together with all the others', () => {
    const sent = simulateAlertmanager([fire(0, pod('a')), fire(1 * m, pod('b')), fire(5 * m + 20 * s, pod('c'))], config, {
      horizonMs: 1 * h,
    });

    // Neither at 1m30s nor at 5m50s: joining alerts get no group_wait of their own.
    expect(times(sent)).toEqual([30 * s, 30 * s + 5 * m]);
    expect(members(sent[0])).toEqual(['a:firing']);
    expect(members(sent[1])).toEqual(['a:firing', 'b:firing', 'c:firing']);
    expect(sent[1]?.reason).toBe('changed');
    expect(sent[1]?.payload.notification_reason).toBe('new alerts added');
  });

  it('re-sends an unchanged group only when repeat_interval has elapsed, at the first tick strictly after it', () => {
    // 4h is 48 group intervals: the tick at exactly 4h after the last send is not "before now - repeat" yet.
    const sent = simulateAlertmanager([fire(0, pod('a'))], config, { horizonMs: 9 * h });
    expect(times(sent)).toEqual([30 * s, 30 * s + 4 * h + 5 * m, 30 * s + 2 * (4 * h + 5 * m)]);
    expect(sent.map((notification) => notification.reason)).toEqual(['first', 'repeat', 'repeat']);
    expect(sent[1]?.payload.notification_reason).toBe('repeat interval elapsed');
    expect(members(sent[1])).toEqual(['a:firing']);

    // Not a multiple: the first group_interval tick past 12m.
    const odd = simulateAlertmanager([fire(0, pod('a'))], { ...config, repeatIntervalMs: 12 * m }, { horizonMs: 20 * m });
    expect(times(odd)).toEqual([30 * s, 30 * s + 15 * m]);
  });

  it('stops by default at the last event plus twice repeat_interval', () => {
    const sent = simulateAlertmanager([fire(0, pod('a'))], config);
    expect(times(sent)).toEqual([30 * s, 30 * s + 4 * h + 5 * m]);
  });

  it('sends a resolved alert once, then drops it from the group; an all-resolved group is deleted', () => {
    const a = pod('a');
    const b = pod('b');
    const c = pod('c');
    const sent = simulateAlertmanager(
      [fire(0, a), fire(0, b), resolve(2 * m, b), fire(20 * m, c), resolve(30 * m, a), resolve(30 * m, c), fire(31 * m, a)],
      config,
      { horizonMs: 2 * h },
    );

    expect(times(sent)).toEqual([30 * s, 5 * m + 30 * s, 20 * m + 30 * s, 30 * m + 30 * s, 31 * m + 30 * s]);
    const [, partly, added, allResolved, again] = sent;

    expect(members(partly)).toEqual(['a:firing', 'b:resolved']);
    expect(partly?.payload.notification_reason).toBe('some alerts resolved');
    expect(partly?.payload.alerts[1]).toMatchObject({ startsAt: '2026-11-30T00:00:00Z', endsAt: '2026-11-30T00:02:00Z' });

    expect(members(added)).toEqual(['a:firing', 'c:firing']);

    expect(members(allResolved)).toEqual(['a:resolved', 'c:resolved']);
    expect(allResolved?.payload.status).toBe('resolved');
    expect(allResolved?.payload.notification_reason).toBe('all alerts resolved');

    // The group was deleted: a's return makes a new group with its own group_wait (the old tick would be 35m30s).
    expect(again?.reason).toBe('first');
    expect(members(again)).toEqual(['a:firing']);
    expect(again?.payload.alerts[0]?.startsAt).toBe('2026-11-30T00:31:00Z');
  });

  it('with send_resolved false never sends resolved alerts nor an all-resolved group', () => {
    const a = pod('a');
    const b = pod('b');
    const c = pod('c');
    const sent = simulateAlertmanager(
      [fire(0, a), fire(0, b), resolve(2 * m, b), fire(20 * m, c), resolve(30 * m, a), resolve(30 * m, c), fire(31 * m, a)],
      { ...config, sendResolved: false },
      { horizonMs: 2 * h },
    );

    // No notification for b's resolution at 5m30s, none for the all-resolved group at 30m30s.
    expect(times(sent)).toEqual([30 * s, 20 * m + 30 * s, 31 * m + 30 * s]);
    expect(members(sent[1])).toEqual(['a:firing', 'c:firing']);
    // The silent all-resolved flush still cleared the notification log and deleted the group.
    expect(sent[2]?.reason).toBe('first');
    expect(sent.flatMap((notification) => notification.payload.alerts).every((alert) => alert.status === 'firing')).toBe(true);
  });

  it('keeps only the first max_alerts in Alertmanager order and counts the rest in truncatedAlerts', () => {
    const alerts = [
      pod('a', { tier: 'web' }),
      pod('b', { tier: 'web' }),
      pod('c', { tier: 'web' }),
      pod('d', { instance: '10.0.0.1:9100' }),
      pod('e', { job: 'kubelet' }),
      pod('zz'),
    ];
    const events = alerts.map((alert) => fire(0, alert));
    // job first, then instance, then fewer labels, then label values.
    const all = simulateAlertmanager(events, config, { horizonMs: 1 * m });
    expect(members(all[0])).toEqual(['e:firing', 'd:firing', 'zz:firing', 'a:firing', 'b:firing', 'c:firing']);

    const [cut] = simulateAlertmanager(events, { ...config, maxAlerts: 4 }, { horizonMs: 1 * m });
    expect(members(cut)).toEqual(['e:firing', 'd:firing', 'zz:firing', 'a:firing']);
    expect(cut?.payload.truncatedAlerts).toBe(2);
  });

  it('computes status and common labels from the alerts left after max_alerts', () => {
    const events = [fire(0, pod('a', { tier: 'db' })), fire(0, pod('b', { tier: 'db' })), fire(0, pod('c', { tier: 'web' }))];
    const [cut] = simulateAlertmanager(events, { ...config, maxAlerts: 2 }, { horizonMs: 1 * m });
    expect(cut?.payload.truncatedAlerts).toBe(1);
    expect(cut?.payload.commonLabels).toEqual({ alertname: 'PodCrash', namespace: 'shop', tier: 'db' });
  });

  it('has every HA peer deliver the same notification, each after its own delay', () => {
    const events = [fire(0, pod('a'))];
    const sent = simulateAlertmanager(events, config, { horizonMs: 1 * h, haPeers: 2, haJitterMs: (peer) => peer * 15 * s });

    expect(sent.map((notification) => [notification.at, notification.peer])).toEqual([
      [30 * s, 0],
      [45 * s, 1],
    ]);
    expect(sent[1]?.payload).toEqual(sent[0]?.payload);
    expect(sent[1]?.groupKey).toBe(sent[0]?.groupKey);

    const together = simulateAlertmanager(events, config, { horizonMs: 1 * h, haPeers: 3 });
    expect(together.map((notification) => [notification.at, notification.peer])).toEqual([
      [30 * s, 0],
      [30 * s, 1],
      [30 * s, 2],
    ]);
  });

  it('keeps startsAt across re-sends and starts a new episode when the alert fires again after its resolution', () => {
    const a = pod('a');
    const b = pod('b');
    const sent = simulateAlertmanager(
      [fire(0, a), fire(1 * m, a), fire(2 * m, a), fire(6 * m, b), resolve(12 * m, a), fire(20 * m, a)],
      config,
      { horizonMs: 1 * h },
    );

    expect(times(sent)).toEqual([30 * s, 10 * m + 30 * s, 15 * m + 30 * s, 20 * m + 30 * s]);
    const startsOfA = sent.map((notification) => notification.payload.alerts.find((alert) => alert.labels.pod === 'a')?.startsAt);
    expect(startsOfA).toEqual(['2026-11-30T00:00:00Z', '2026-11-30T00:00:00Z', '2026-11-30T00:00:00Z', '2026-11-30T00:20:00Z']);
    expect(members(sent[2])).toEqual(['a:resolved', 'b:firing']);
    expect(members(sent[3])).toEqual(['a:firing', 'b:firing']);
  });

  it('does not notify when an alert resolves and fires again between two ticks: dedup compares label sets only', () => {
    const a = pod('a');
    const sent = simulateAlertmanager([fire(0, a), resolve(1 * m, a), fire(2 * m, a)], config, { horizonMs: 5 * h });

    expect(times(sent)).toEqual([30 * s, 30 * s + 4 * h + 5 * m]);
    expect(sent[1]?.payload.alerts[0]?.startsAt).toBe('2026-11-30T00:02:00Z');
  });

  it('flushes a new group at once when its alert is older than group_wait (a re-sent resolved alert)', () => {
    const a = pod('a');
    const sent = simulateAlertmanager([fire(0, a), resolve(1 * m, a), resolve(6 * m, a), fire(6 * m + 10 * s, pod('b'))], config, {
      horizonMs: 1 * h,
    });

    // a's re-sent resolution makes a group that flushes (silently) at 6m and is deleted, so b starts afresh.
    expect(times(sent)).toEqual([30 * s, 5 * m + 30 * s, 6 * m + 40 * s]);
    expect(members(sent[2])).toEqual(['b:firing']);
  });

  it('forgets a notification log entry once it expired (2 * repeat_interval) and was garbage-collected (every 15m)', () => {
    const sent = simulateAlertmanager([fire(0, pod('a'))], { ...config, groupIntervalMs: 30 * m, repeatIntervalMs: 10 * m }, { horizonMs: 31 * m });
    expect(sent.map((notification) => [notification.at, notification.reason])).toEqual([
      [30 * s, 'first'],
      [30 * m + 30 * s, 'first'],
    ]);
  });

  it('formats the group key like Alertmanager: root route, names sorted, values Go-quoted', () => {
    const labels = { namespace: 'shop', alertname: 'Disk "full"\n', pod: 'p' };
    const [sent] = simulateAlertmanager([fire(0, { labels })], { ...config, groupBy: ['namespace', 'alertname', 'cluster'] });
    expect(sent?.groupKey).toBe('{}:{alertname="Disk \\"full\\"\\n", namespace="shop"}');
    expect(sent?.payload.groupKey).toBe(sent?.groupKey);
    expect(sent?.payload.groupLabels).toEqual({ alertname: 'Disk "full"\n', namespace: 'shop' });

    const [everything] = simulateAlertmanager([fire(0, { labels })], { ...config, groupBy: ['...'] });
    expect(everything?.groupKey).toBe('{}:{alertname="Disk \\"full\\"\\n", namespace="shop", pod="p"}');
    expect(() => simulateAlertmanager([], { ...config, groupBy: ['...', 'pod'] })).toThrow(/wildcard/);
  });

  it('keeps two namespaces in two groups with their own timers', () => {
    const sent = simulateAlertmanager(
      [fire(0, pod('a', {}, 'shop')), fire(1 * m, pod('b', {}, 'billing')), fire(2 * m, pod('c', {}, 'billing'))],
      config,
      { horizonMs: 1 * h },
    );

    expect(sent.map((notification) => [notification.at, notification.groupKey, members(notification)])).toEqual([
      [30 * s, '{}:{alertname="PodCrash", namespace="shop"}', ['a:firing']],
      [1 * m + 30 * s, '{}:{alertname="PodCrash", namespace="billing"}', ['b:firing']],
      [6 * m + 30 * s, '{}:{alertname="PodCrash", namespace="billing"}', ['b:firing', 'c:firing']],
    ]);
  });

  it('fingerprints a label set like model.LabelSet.Fingerprint', () => {
    // Vectors from prometheus/common model/signature_test.go.
    expect(alertmanagerFingerprint({})).toBe('cbf29ce484222325');
    expect(alertmanagerFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })).toBe(
      (5799056148416392346n).toString(16).padStart(16, '0'),
    );
    expect(alertmanagerFingerprint({ fear: 'love is not enough', name: 'garland, briggs' })).toBe('507a62d79ee76c9a');
  });

  it('renders the receiver through regexp.QuoteMeta and the configured start time and external URL', () => {
    const [sent] = simulateAlertmanager([fire(1_500, pod('a'))], {
      ...config,
      receiver: 'team.a',
      externalURL: 'https://am.example.com',
      startTimeIso: '2027-01-01T12:00:00Z',
    });
    expect(sent?.payload.receiver).toBe('team\\.a');
    expect(sent?.payload.externalURL).toBe('https://am.example.com');
    expect(sent?.payload.alerts[0]?.startsAt).toBe('2027-01-01T12:00:01.5Z');
  });

  it('produces bodies that stormgate accepts', () => {
    const a = pod('a');
    const sent = simulateAlertmanager([fire(0, a), fire(0, pod('b')), resolve(2 * m, a)], config, { horizonMs: 1 * h });
    const bodies = notificationBodies(sent);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(() => parseWebhook(JSON.stringify(body))).not.toThrow();
  });

  it('is deterministic', () => {
    const events = [fire(0, pod('a')), fire(3 * m, pod('b')), resolve(9 * m, pod('a'))];
    expect(simulateAlertmanager(events, config)).toEqual(simulateAlertmanager([...events].reverse(), config));
  });
});
