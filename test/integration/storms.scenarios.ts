import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { stormWindowMember } from '../../lib/domain/storm.js';
import { DueIndex } from '../../lib/redis/due-index.js';
import { dueBucketKey, dueBucketOf } from '../../lib/redis/keys.js';
import { alert, type AlertFixture } from '../support/builders/webhook.js';
import type { KubeObject } from '../../local/kube-standin/server.js';
import { type IntegrationStack, startIntegrationStack, type Topology } from '../support/integration-stack.js';
import { flushAll } from '../support/redis-keys.js';

type StormSpec = {
  alertCount: number;
  resourceCount: number;
  stormKey: string;
  affectedResources: { kind: string; name: string; namespace?: string }[];
  affectedResourcesTruncated: boolean;
  trigger: string;
  commonLabels: Record<string, string>;
};
type StormStatus = { signal?: { state: string }; storm?: { members: number; alertCount: number; resourceCount: number; resolvedMembers: number }; deduplication?: { occurrenceCount: number } };
const stormOf = (request: KubeObject | undefined) => (request?.spec as { storm?: StormSpec } | undefined)?.storm;
const statusOf = (request: KubeObject | undefined) => request?.status as StormStatus | undefined;
const podName = (index: number) => `checkout-7d9f8b6c5-${String(index).padStart(5, '0')}`;
const pods = (count: number, namespace = 'shop', from = 0, status: 'firing' | 'resolved' = 'firing'): AlertFixture[] =>
  Array.from({ length: count }, (_, index) => alert({ status, labels: { alertname: 'KubePodNotReady', namespace, pod: podName(from + index) } }));
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const grouped = (namespace = 'shop') => ({ groupKey: `{}:{alertname="KubePodNotReady", namespace="${namespace}"}`, groupLabels: { alertname: 'KubePodNotReady', namespace } });

/**
 * Storm episodes (docs/LIFECYCLE.md, "Storm episodes") through the real handlers, on real Redis of the
 * given topology: one aggregated request per storm however often Alertmanager re-sends it, Resolved when
 * its members are.
 */
export function stormScenarios(topology: Topology): void {
  let it_: IntegrationStack;

  beforeAll(async () => {
    it_ = await startIntegrationStack(topology, {
      STORM_THRESHOLD: '5',
      STORM_HOLD_SECONDS: '1',
      STORM_INACTIVITY_SECONDS: '1',
      STORM_MAX_WINDOW_SECONDS: '30',
      STORM_RESOURCE_CAP: '20',
      STATUS_WRITE_INTERVAL_SECONDS: '1',
    });
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  /** Waits past the inactivity timeout (and the status interval) and sweeps until nothing is due. */
  async function sweepUntilQuiet(): Promise<void> {
    await pause(1_100);
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const swept = await it_.sweep();
      if (swept.claimed === 0) return;
      await pause(1_000);
    }
  }
  const aggregated = () => it_.requests().filter((request) => stormOf(request) !== undefined);

  describe(`storms on ${topology} Redis`, () => {
    it('turns 50 alerts for 50 pods in one notification into one aggregated request and no individual ones', async () => {
      await it_.deliver(pods(50), grouped());
      expect(it_.requests()).toEqual([]);
      await sweepUntilQuiet();
      const [request, ...others] = it_.requests();
      expect(others).toEqual([]);
      expect(request?.metadata.labels?.['stormgate.dev/storm']).toBe('true');
      expect(request?.spec).toMatchObject({ signalName: 'KubePodNotReady', targetResource: { kind: 'Namespace', name: 'shop' } });
      expect(stormOf(request)).toMatchObject({ alertCount: 50, resourceCount: 50, affectedResourcesTruncated: true, trigger: 'resources' });
      expect(stormOf(request)?.affectedResources).toHaveLength(20);
      expect(stormOf(request)?.commonLabels).toMatchObject({ alertname: 'KubePodNotReady', namespace: 'shop', severity: 'warning' });
      expect(stormOf(request)?.commonLabels).not.toHaveProperty('pod');
      expect(statusOf(request)).toMatchObject({ deduplication: { occurrenceCount: 50 }, signal: { state: 'Firing' }, storm: { members: 50, resourceCount: 50 } });
    });

    it('turns the same storm spread over ten notifications into one aggregated request', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, index) => it_.deliver(pods(5, 'shop', index * 5))));
      await sweepUntilQuiet();
      const all = it_.requests();
      expect(all).toHaveLength(1);
      expect(stormOf(all[0])).toMatchObject({ alertCount: 50, resourceCount: 50 });
    });

    // LIFECYCLE.md: group_interval re-send, repeat_interval — observed failure 1 of the lifecycle issue.
    it('absorbs the re-sends of a growing storm (a 9th pod, then the repeat) into its one request', async () => {
      await it_.deliver(pods(8), grouped());
      await sweepUntilQuiet();
      expect(aggregated()).toHaveLength(1);
      // group_interval: the whole group again, with a 9th pod.
      await it_.deliver(pods(9), grouped());
      // repeat_interval: the whole group again, unchanged.
      await it_.deliver(pods(9), grouped());
      await sweepUntilQuiet();
      expect(it_.requests()).toHaveLength(1);
      expect(stormOf(it_.requests()[0])).toMatchObject({ resourceCount: 8 });
      expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Firing' }, storm: { members: 9, alertCount: 26, resourceCount: 9, resolvedMembers: 0 } });
    });

    // Observed failure 2: storm requests were never marked Resolved.
    it('marks the aggregated request Resolved when every member resolved, once, and a later storm gets its own request', async () => {
      await it_.deliver(pods(6), grouped());
      await sweepUntilQuiet();
      await it_.deliver([...pods(3, 'shop', 0, 'resolved'), ...pods(3, 'shop', 3)], grouped());
      await sweepUntilQuiet();
      expect(statusOf(aggregated()[0])).toMatchObject({ signal: { state: 'Firing' }, storm: { resolvedMembers: 3 } });
      await it_.deliver(pods(6, 'shop', 0, 'resolved'), grouped());
      // The HA peer's copy of the same notification changes nothing.
      await it_.deliver(pods(6, 'shop', 0, 'resolved'), grouped());
      await sweepUntilQuiet();
      expect(aggregated()).toHaveLength(1);
      expect(statusOf(aggregated()[0])).toMatchObject({ signal: { state: 'Resolved' }, storm: { members: 6, resolvedMembers: 6 } });
      // The pods fail again (new startsAt): a new storm episode, a new request; the first stays Resolved.
      const again = pods(6).map((entry) => ({ ...entry, startsAt: '2026-11-21T12:00:00Z' }));
      await it_.deliver(again, grouped());
      await sweepUntilQuiet();
      const states = aggregated().map((request) => statusOf(request)?.signal?.state).sort();
      expect(states).toEqual(['Firing', 'Resolved']);
    });

    // Review finding: a new storm arriving before the sweep showed the previous one's end reopened the
    // previous storm, so its new members landed on a request that then showed Resolved.
    it('gives a storm that follows an ended one before the sweep showed its end its own request, and resolves the first', async () => {
      await it_.deliver(pods(6), grouped());
      await sweepUntilQuiet();
      await it_.deliver(pods(6, 'shop', 0, 'resolved'), grouped());
      const again = pods(6).map((entry) => ({ ...entry, startsAt: '2026-11-21T12:00:00Z' }));
      await it_.deliver(again, grouped());
      await sweepUntilQuiet();
      const states = aggregated().map((request) => statusOf(request)?.signal?.state).sort();
      expect(states).toEqual(['Firing', 'Resolved']);
    });

    // Second review: a storm whose create failed after its window was claimed, then ended, then followed by a
    // new wave, was replaced and its acknowledged alerts reached no request.
    it('continues a storm whose claimed create failed when it ends and a new wave follows: one request with every member', async () => {
      const receipt = await it_.deliver(pods(6), grouped());
      await pause(1_100);
      it_.standin.injectFault({ respond: 'reset', times: 4, methods: ['POST'] });
      expect(await it_.sweep()).toMatchObject({ stormsCreated: 0, failed: 1 });
      await it_.deliver(pods(6, 'shop', 0, 'resolved'), grouped());
      await it_.deliver(pods(6).map((entry) => ({ ...entry, startsAt: '2026-11-21T12:00:00Z' })), grouped());
      const member = stormWindowMember('default', receipt.alerts[0]?.fingerprint.slice(0, 12) ?? '');
      await it_.redis.zadd(dueBucketKey(dueBucketOf(member)), 0, member);
      await sweepUntilQuiet();
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Firing' }, storm: { members: 12, resolvedMembers: 6 } });
    });

    // Review finding: the last members resolving and a new member firing in one notification left the storm ended.
    it('keeps a storm going when a new member fires in the notification that resolves the others', async () => {
      await it_.deliver(pods(6), grouped());
      await sweepUntilQuiet();
      await it_.deliver([...pods(6, 'shop', 0, 'resolved'), ...pods(1, 'shop', 6)], grouped());
      await sweepUntilQuiet();
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Firing' }, storm: { members: 7, resolvedMembers: 6 } });
    });

    it('ends a storm whose members resolve before its window closes with its request created Resolved', async () => {
      await it_.deliver(pods(6), grouped());
      await it_.deliver(pods(6, 'shop', 0, 'resolved'), grouped());
      await sweepUntilQuiet();
      expect(aggregated()).toHaveLength(1);
      expect(statusOf(aggregated()[0])).toMatchObject({ signal: { state: 'Resolved' } });
    });

    // Observed failure 3: kube-state-metrics alerts carry the exporter's namespace and the subject's as exported_namespace.
    it('names the subject namespace (exported_namespace) in the storm key, target and affected resources', async () => {
      const alerts = Array.from({ length: 6 }, (_, index) =>
        alert({ labels: { alertname: 'KubePodNotReady', namespace: 'monitoring', exported_namespace: 'shop', pod: podName(index), job: 'kube-state-metrics' } }),
      );
      await it_.deliver(alerts);
      await sweepUntilQuiet();
      const [request] = aggregated();
      expect(request?.spec).toMatchObject({ targetResource: { kind: 'Namespace', name: 'shop' } });
      expect(stormOf(request)?.stormKey).toBe('KubePodNotReady/shop');
      expect(new Set(stormOf(request)?.affectedResources.map((resource) => resource.namespace))).toEqual(new Set(['shop']));
    });

    it('keeps two namespaces storming at once apart: two aggregated requests', async () => {
      await Promise.all([it_.deliver(pods(12, 'shop')), it_.deliver(pods(9, 'payments'))]);
      await sweepUntilQuiet();
      const byNamespace = Object.fromEntries(it_.requests().map((request) => [(request.spec as { targetResource: { name: string } }).targetResource.name, stormOf(request)?.resourceCount]));
      expect(byNamespace).toEqual({ shop: 12, payments: 9 });
    });

    it('opens a storm on truncatedAlerts of a group that pins its storm key, with that trigger', async () => {
      await it_.deliver(pods(2), { truncatedAlerts: 120, ...grouped() });
      await sweepUntilQuiet();
      expect(it_.requests().map((request) => stormOf(request)?.trigger)).toEqual(['truncated-payload']);
    });

    // Smaller observation 11: truncation of a group spanning namespaces stormed every namespace in it.
    it('does not storm every namespace of a truncated group that spans namespaces', async () => {
      await it_.deliver([...pods(1, 'shop'), ...pods(1, 'payments', 1)], { truncatedAlerts: 120, groupKey: '{}:{alertname="KubePodNotReady"}', groupLabels: { alertname: 'KubePodNotReady' } });
      await sweepUntilQuiet();
      expect(it_.requests().map((request) => stormOf(request))).toEqual([undefined, undefined]);
    });

    it('gives a lone alert its own request at once, without holding it', async () => {
      const receipt = await it_.deliver(pods(1));
      expect(it_.requests()).toHaveLength(1);
      expect(stormOf(it_.requests()[0])).toBeUndefined();
      // Opened, not held and then released: a hold would also end in one request, a second later.
      const decision = await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[0]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await decision.json()).toMatchObject({ lastDecision: { outcome: 'opened', reason: 'new-episode' } });
    });

    it('holds a lone new alert when another resource of its key was new within the detection window, then releases it', async () => {
      await it_.deliver(pods(1));
      const second = await it_.deliver(pods(1, 'shop', 1));
      expect(it_.requests()).toHaveLength(2);
      // Held (recent activity of the key), then released to its own request: its last decision is the completion.
      const decision = await fetch(`${it_.stack.url}/v1/signals/${second.alerts[0]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await decision.json()).toMatchObject({ lastDecision: { outcome: 'pending' } });
    });

    it('releases held alerts to their own requests when no storm forms', async () => {
      const receipt = await it_.deliver(pods(3));
      const names = it_.requests().map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name).sort();
      expect(names).toEqual([podName(0), podName(1), podName(2)]);
      const decision = await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[0]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await decision.json()).toMatchObject({ episode: { state: 'open' }, remediationRequest: { state: 'created' } });
    });

    // Observed failure 5: a resolve during the hold used to be ignored, and the released signal got a Firing request.
    it('creates no request for an alert that resolves during the hold, in the same notification or the next', async () => {
      const firstTwo = it_.deliver(pods(3));
      await pause(100);
      await it_.deliver(pods(1, 'shop', 0, 'resolved'));
      await firstTwo;
      const names = it_.requests().map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name).sort();
      expect(names).toEqual([podName(1), podName(2)]);
    });

    it('answers for a storm member at /v1/signals while its window collects and after its request exists', async () => {
      const receipt = await it_.deliver(pods(8));
      const read = async () =>
        (await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[3]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } })).json();
      expect(await read()).toMatchObject({ lastDecision: { action: 'join-storm', reason: 'part-of-storm' }, storm: { state: 'collecting' }, remediationRequest: { state: 'aggregating' } });
      await sweepUntilQuiet();
      expect(await read()).toMatchObject({ storm: { state: 'open' }, remediationRequest: { name: it_.requests()[0]?.metadata.name, state: 'created' } });
    });

    it('absorbs a late alert of an open storm into its request, never an individual request or a second storm', async () => {
      await it_.deliver(pods(8));
      await sweepUntilQuiet();
      await it_.deliver(pods(1, 'shop', 100));
      await sweepUntilQuiet();
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])).toMatchObject({ storm: { members: 9, resourceCount: 9 } });
    });

    it('lets racing sweeps create the aggregated request exactly once', async () => {
      await it_.deliver(pods(10));
      await pause(1_100);
      const results = await Promise.all([it_.sweep(), it_.sweep(), it_.sweep(), it_.sweep()]);
      expect(results.reduce((sum, result) => sum + result.stormsCreated, 0)).toBe(1);
      expect(it_.requests()).toHaveLength(1);
    });

    it('resumes a create that failed after the window was claimed: one request after the retry', async () => {
      const receipt = await it_.deliver(pods(10));
      await pause(1_100);
      it_.standin.injectFault({ respond: 'reset', times: 4, methods: ['POST'] }); // every attempt of the writer's retries
      expect(await it_.sweep()).toMatchObject({ stormsCreated: 0, failed: 1 });
      expect(it_.requests()).toHaveLength(0);
      // The claim's lease (60 s) has to pass before another sweep may take it; move the entry due now.
      const member = stormWindowMember('default', receipt.alerts[0]?.fingerprint.slice(0, 12) ?? '');
      await it_.redis.zadd(dueBucketKey(dueBucketOf(member)), 0, member);
      expect(await it_.sweep()).toMatchObject({ stormsCreated: 1 });
      expect(it_.requests()).toHaveLength(1);
      expect(stormOf(it_.requests()[0])).toMatchObject({ resourceCount: 10 });
    });

    // Observed failure 9: the sweep removed a due entry that dedup had added again while it held the claim.
    it('keeps a due entry that dedup moved while the sweep held its claim', async () => {
      const due = new DueIndex(it_.redis);
      const member = stormWindowMember('default', 'abcdef012345');
      await due.add([{ member, dueAt: 100 }]);
      const [claimed] = await due.claim(100, 60, 10);
      expect(claimed).toEqual({ member, claimedUntil: 160.5 });
      // Dedup schedules new work while the sweep works: earlier than the claim's end, and later than it.
      await due.add([{ member, dueAt: 130 }]);
      await due.finish(claimed as NonNullable<typeof claimed>);
      expect(await it_.redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBe('130');
      const [reclaimed] = await due.claim(130, 60, 10);
      await due.add([{ member, dueAt: 400 }]);
      await due.finish(reclaimed as NonNullable<typeof reclaimed>);
      expect(await it_.redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBe('400');
      // An unclaimed entry only ever moves earlier.
      await due.add([{ member, dueAt: 500 }]);
      expect(await it_.redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBe('400');
      // Unmoved, the claim's finish removes it.
      const [again] = await due.claim(400, 60, 10);
      await due.finish(again as NonNullable<typeof again>);
      expect(await it_.redis.zscore(dueBucketKey(dueBucketOf(member)), member)).toBeNull();
    });

    // Observed failure 10, storms: a Redis that lost the window adopts the open aggregated request.
    it('adopts the open aggregated request after Redis lost its state, instead of creating a second one', async () => {
      await it_.deliver(pods(8), grouped());
      await sweepUntilQuiet();
      expect(aggregated()).toHaveLength(1);
      await flushAll(it_.redis);
      await it_.deliver(pods(8), grouped());
      await sweepUntilQuiet();
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Firing' }, storm: { members: 8 } });
      await it_.deliver(pods(8, 'shop', 0, 'resolved'), grouped());
      await sweepUntilQuiet();
      expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Resolved' } });
    });

    it('keeps individual requests of a resource when its alert repeats during a storm', async () => {
      await it_.deliver(pods(1));
      expect(it_.requests()).toHaveLength(1);
      await it_.deliver(pods(10));
      await sweepUntilQuiet();
      const storms = aggregated();
      expect(it_.requests()).toHaveLength(2);
      // The first pod already had its own request; the storm lists the other nine.
      expect(stormOf(storms[0])).toMatchObject({ resourceCount: 9 });
    });
  });
}
