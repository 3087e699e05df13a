import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { type RunningAlertmanager, startAlertmanager } from '../support/alertmanager-harness.js';
import { eventually, type LocalRuntimeProcess, kubeApiFor, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

/**
 * The storm lifecycle with the real Alertmanager as the client: a storm that grows across group_interval
 * re-sends (each one repeats the WHOLE group) and is re-sent unchanged after repeat_interval is ONE
 * aggregated RemediationRequest, and it shows Resolved when every member resolved.
 */
const rr = { group: 'remediation.stormgate.dev', version: 'v1alpha1', namespace: 'stormgate', plural: 'remediationrequests' };
type RemediationRequest = {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { targetResource: { kind: string; name: string }; storm?: { stormKey: string } };
  status?: {
    deduplication?: { occurrenceCount?: number };
    signal?: { state: string; resolvedAt?: string };
    storm?: { members?: number; alertCount?: number; resourceCount?: number; resolvedMembers?: number };
  };
};

const groupIntervalSeconds = 2;
const repeatIntervalSeconds = 8;
const pods = Array.from({ length: 10 }, (_, index) => `p-${index}`);
const podAlert = (pod: string) => ({ labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod, severity: 'critical' } });

describe('a storm delivered by a real Alertmanager (group_interval re-sends, a repeat_interval re-send, resolution)', () => {
  let runtime: LocalRuntimeProcess;
  let alertmanager: RunningAlertmanager;
  let kube: CustomObjectsApi;

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({
      STORM_THRESHOLD: '5',
      STORM_INACTIVITY_SECONDS: '2',
      STORM_MAX_WINDOW_SECONDS: '30',
      STORM_HOLD_SECONDS: '1',
      SWEEP_INTERVAL_SECONDS: '1',
      STATUS_WRITE_INTERVAL_SECONDS: '1',
    });
    alertmanager = await startAlertmanager({
      webhookUrl: `${runtime.url}/v1/alerts/alertmanager`,
      bearerToken: runtime.token,
      groupWait: '1s',
      groupInterval: `${groupIntervalSeconds}s`,
      repeatInterval: `${repeatIntervalSeconds}s`,
    });
    kube = kubeApiFor(runtime.kubeApiUrl);
  }, 30_000);
  afterAll(async () => {
    await alertmanager?.stop();
    await runtime?.stop();
  });

  const requests = async () => ((await kube.listNamespacedCustomObject(rr)) as { items: RemediationRequest[] }).items;
  const stormRequests = async () =>
    ((await kube.listNamespacedCustomObject({ ...rr, labelSelector: 'stormgate.dev/storm=true' })) as { items: RemediationRequest[] }).items;
  /** The notifications of the storm's group that the runtime accepted, in arrival order. */
  const notifications = () =>
    runtime.logs
      .filter((line) => line.message === 'notification accepted' && String(line.groupKey).includes('KubePodNotReady'))
      .map((line) => ({ alerts: Number(line.alerts), at: Date.parse(String(line.timestamp)), groupKey: String(line.groupKey) }));
  const notificationWith = (alerts: number, after = 0) =>
    eventually(async () => notifications().find((notification) => notification.alerts === alerts && notification.at > after), `a notification of ${alerts} alerts`, 15_000);

  it(
    'turns a storm that grows across re-sends, then is repeated unchanged, into exactly one aggregated request',
    async () => {
      await alertmanager.pushAlerts(pods.slice(0, 8).map(podAlert));
      const first = await notificationWith(8);
      // The window closes (no new resource for STORM_INACTIVITY_SECONDS) into the one aggregated request.
      await eventually(async () => ((await stormRequests()).length > 0 ? true : undefined), 'the aggregated request');

      // Each addition makes Alertmanager re-send the whole group at its next group_interval.
      await alertmanager.pushAlerts([podAlert('p-8')]);
      const ninth = await notificationWith(9, first.at);
      await alertmanager.pushAlerts([podAlert('p-9')]);
      const tenth = await notificationWith(10, ninth.at);
      // Nothing changes any more: the next notification is the repeat_interval re-send.
      const repeat = await notificationWith(10, tenth.at);

      const received = notifications();
      expect(new Set(received.map((notification) => notification.groupKey)).size).toBe(1);
      expect(received.length).toBeGreaterThanOrEqual(3);
      expect(received.map((notification) => notification.alerts)).toEqual([8, 9, 10, 10]);
      // Re-sends of a changed group come a group_interval apart; the unchanged one only after repeat_interval.
      expect(repeat.at - tenth.at).toBeGreaterThanOrEqual((repeatIntervalSeconds - groupIntervalSeconds / 2) * 1000);

      const alertsDelivered = received.reduce((sum, notification) => sum + notification.alerts, 0);
      const storm = await eventually(async () => {
        const [request] = await stormRequests();
        return request?.status?.storm?.members === pods.length && request.status.storm.alertCount === alertsDelivered ? request : undefined;
      }, `the aggregated request to show ${pods.length} members and ${alertsDelivered} alerts`);
      expect(storm.spec.storm?.stormKey).toBe('KubePodNotReady/shop');
      expect(storm.spec.targetResource).toMatchObject({ kind: 'Namespace', name: 'shop' });
      expect(storm.status?.signal?.state).toBe('Firing');
      expect(storm.status?.storm).toMatchObject({ members: 10, resourceCount: 10, resolvedMembers: 0 });
      expect(storm.status?.deduplication?.occurrenceCount).toBe(alertsDelivered);

      // Every alert of every notification joined the storm: none was decided into a request of its own.
      const decisions = runtime.logs.filter((line) => line.message === 'signal decided' && String(line.groupKey).includes('KubePodNotReady'));
      expect(decisions).toHaveLength(alertsDelivered);
      expect(new Set(decisions.map((line) => line.action))).toEqual(new Set(['join-storm']));

      // One request for the storm, and none for its pods.
      const all = await requests();
      expect(all.map((request) => request.metadata.name)).toEqual([storm.metadata.name]);
      expect(all.filter((request) => request.spec.storm?.stormKey === 'KubePodNotReady/shop')).toHaveLength(1);
      expect(all.filter((request) => request.spec.targetResource.kind === 'Pod' && pods.includes(request.spec.targetResource.name))).toEqual([]);
    },
    45_000,
  );

  it(
    'marks the aggregated request Resolved when every member resolved, and creates nothing else',
    async () => {
      const [storm] = await stormRequests();
      expect(storm).toBeDefined();
      const before = notifications().length;
      // As Prometheus does: the same alerts with an endsAt in the past.
      const endsAt = new Date(Date.now() - 1_000).toISOString();
      await alertmanager.pushAlerts(pods.map((pod) => ({ ...podAlert(pod), endsAt })));
      await eventually(async () => (notifications().length > before ? true : undefined), 'the resolved notification', 15_000);

      const ended = await runtime.waitForLog((line) => line.message === 'storm ended', 'the storm to end', 15_000);
      expect(ended).toMatchObject({ name: storm?.metadata.name, members: 10 });
      const resolved = await eventually(async () => {
        const [request] = await stormRequests();
        return request?.status?.signal?.state === 'Resolved' ? request : undefined;
      }, 'the aggregated request to show Resolved');
      expect(resolved.metadata.name).toBe(storm?.metadata.name);
      expect(resolved.status?.signal?.resolvedAt).toEqual(expect.any(String));
      expect(resolved.status?.storm).toMatchObject({ members: 10, resolvedMembers: 10 });

      const all = await requests();
      expect(all.map((request) => request.metadata.name)).toEqual([storm?.metadata.name]);
    },
    30_000,
  );
});
