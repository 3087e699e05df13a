import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, type AlertFixture } from '../support/builders/webhook.js';
import type { KubeObject } from '../support/kube-standin/server.js';
import { type IntegrationStack, startIntegrationStack, type Topology } from '../support/integration-stack.js';

type StormSpec = { alertCount: number; resourceCount: number; affectedResources: { kind: string; name: string }[]; affectedResourcesTruncated: boolean; trigger: string; commonLabels: Record<string, string> };
const stormOf = (request: KubeObject | undefined) => (request?.spec as { storm?: StormSpec } | undefined)?.storm;
const pods = (count: number, namespace = 'shop', from = 0): AlertFixture[] =>
  Array.from({ length: count }, (_, index) => alert({ labels: { alertname: 'KubePodNotReady', namespace, pod: `checkout-7d9f8b6c5-${String(from + index).padStart(5, '0')}` } }));
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The storm scenarios of the dedup issue, through the real handlers, on real Redis of the given topology. */
export function stormScenarios(topology: Topology): void {
  let it_: IntegrationStack;

  beforeAll(async () => {
    it_ = await startIntegrationStack(topology, {
      STORM_THRESHOLD: '5',
      STORM_HOLD_SECONDS: '1',
      STORM_INACTIVITY_SECONDS: '1',
      STORM_MAX_WINDOW_SECONDS: '30',
      STORM_RESOURCE_CAP: '20',
    });
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  /** Waits past the inactivity timeout and sweeps until every due window is closed. */
  async function closeWindows(): Promise<void> {
    await pause(1_100);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const swept = await it_.sweep();
      if (swept.claimed === 0) return;
      await pause(1_000);
    }
  }

  describe(`storms on ${topology} Redis`, () => {
    it('turns 50 alerts for 50 pods in one notification into one aggregated request and no individual ones', async () => {
      await it_.deliver(pods(50));
      expect(it_.requests()).toEqual([]);
      await closeWindows();
      const [aggregated, ...others] = it_.requests();
      expect(others).toEqual([]);
      expect(aggregated?.metadata.labels?.['stormgate.dev/storm']).toBe('true');
      expect(aggregated?.spec).toMatchObject({ signalName: 'KubePodNotReady', targetResource: { kind: 'Namespace', name: 'shop' } });
      expect(stormOf(aggregated)).toMatchObject({ alertCount: 50, resourceCount: 50, affectedResourcesTruncated: true, trigger: 'resources' });
      expect(stormOf(aggregated)?.affectedResources).toHaveLength(20);
      expect(stormOf(aggregated)?.commonLabels).toMatchObject({ alertname: 'KubePodNotReady', namespace: 'shop', severity: 'warning' });
      expect(stormOf(aggregated)?.commonLabels).not.toHaveProperty('pod');
      expect(aggregated?.status).toMatchObject({ deduplication: { occurrenceCount: 50 }, signal: { state: 'Firing' } });
    });

    it('turns the same storm spread over ten notifications into one aggregated request', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, index) => it_.deliver(pods(5, 'shop', index * 5))));
      await closeWindows();
      const all = it_.requests();
      expect(all).toHaveLength(1);
      expect(stormOf(all[0])).toMatchObject({ alertCount: 50, resourceCount: 50 });
    });

    it('keeps two namespaces storming at once apart: two aggregated requests', async () => {
      await Promise.all([it_.deliver(pods(12, 'shop')), it_.deliver(pods(9, 'payments'))]);
      await closeWindows();
      const byNamespace = Object.fromEntries(it_.requests().map((request) => [(request.spec as { targetResource: { name: string } }).targetResource.name, stormOf(request)?.resourceCount]));
      expect(byNamespace).toEqual({ shop: 12, payments: 9 });
    });

    it('opens a storm on truncatedAlerts alone, with that trigger', async () => {
      await it_.deliver(pods(2), { truncatedAlerts: 120 });
      await closeWindows();
      expect(it_.requests().map((request) => stormOf(request)?.trigger)).toEqual(['truncated-payload']);
    });

    it('gives a lone alert its own request at once, without holding it', async () => {
      await it_.deliver(pods(1));
      expect(it_.requests()).toHaveLength(1);
      expect(stormOf(it_.requests()[0])).toBeUndefined();
    });

    it('releases held alerts to their own requests when no storm forms', async () => {
      const receipt = await it_.deliver(pods(3));
      const names = it_.requests().map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name).sort();
      expect(names).toEqual(['checkout-7d9f8b6c5-00000', 'checkout-7d9f8b6c5-00001', 'checkout-7d9f8b6c5-00002']);
      const decision = await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[0]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await decision.json()).toMatchObject({ episode: { state: 'open' }, remediationRequest: { state: 'created' } });
    });

    it('answers for a storm member at /v1/signals while its window is open and after it closed', async () => {
      const receipt = await it_.deliver(pods(8));
      const decision = await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[3]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await decision.json()).toMatchObject({ lastDecision: { action: 'join-storm', reason: 'part-of-storm' }, storm: { state: 'open' }, remediationRequest: { state: 'aggregating' } });
      await closeWindows();
      // After the close, the member still tells which request took it.
      const after = await fetch(`${it_.stack.url}/v1/signals/${receipt.alerts[3]?.fingerprint ?? ''}`, { headers: { Authorization: `Bearer ${it_.token}` } });
      expect(await after.json()).toMatchObject({ storm: { state: 'closed' }, remediationRequest: { name: it_.requests()[0]?.metadata.name, state: 'created' } });
    });

    it('sends a late alert of a closed storm into a follow-up window, never an individual request', async () => {
      await it_.deliver(pods(8));
      await closeWindows();
      expect(it_.requests()).toHaveLength(1);
      await it_.deliver(pods(1, 'shop', 100));
      expect(it_.requests()).toHaveLength(1);
      await closeWindows();
      const storms = it_.requests().map((request) => stormOf(request));
      expect(storms).toHaveLength(2);
      expect(storms.map((storm) => storm?.resourceCount).sort()).toEqual([1, 8]);
    });

    it('lets racing sweeps close a window into exactly one request', async () => {
      await it_.deliver(pods(10));
      await pause(1_100);
      const results = await Promise.all([it_.sweep(), it_.sweep(), it_.sweep(), it_.sweep()]);
      expect(results.reduce((sum, result) => sum + result.stormsClosed, 0)).toBe(1);
      expect(it_.requests()).toHaveLength(1);
    });

    it('resumes a close that crashed between claim and create: one request after the retry', async () => {
      await it_.deliver(pods(10));
      await pause(1_100);
      // The API server drops the sweep's create: the window is already renamed to its closing record.
      it_.standin.injectFault({ respond: 'reset', times: 4, methods: ['POST'] }); // every attempt of the writer's retries
      expect(await it_.sweep()).toMatchObject({ stormsClosed: 0 });
      expect(it_.requests()).toHaveLength(0);
      // The claim's lease (60 s) has to pass before another sweep may take it; move the entry due now.
      const { dueBucketKey, dueBucketOf } = await import('../../lib/redis/keys.js');
      const buckets = await Promise.all(Array.from({ length: 16 }, (_, bucket) => it_.redis.zrange(dueBucketKey(bucket), 0, -1)));
      const member = buckets.flat().find((entry) => entry.startsWith('w|')) ?? '';
      await it_.redis.zadd(dueBucketKey(dueBucketOf(member)), 0, member);
      expect(await it_.sweep()).toMatchObject({ stormsClosed: 1 });
      expect(it_.requests()).toHaveLength(1);
      expect(stormOf(it_.requests()[0])).toMatchObject({ resourceCount: 10 });
    });

    it('keeps individual requests of a resource when its alert repeats during a storm', async () => {
      await it_.deliver(pods(1));
      expect(it_.requests()).toHaveLength(1);
      await it_.deliver(pods(10));
      await closeWindows();
      const storms = it_.requests().filter((request) => stormOf(request));
      expect(it_.requests()).toHaveLength(2);
      // The first pod already had its own request; the storm lists the other nine (and counts all ten alerts that joined).
      expect(stormOf(storms[0])).toMatchObject({ resourceCount: 9 });
    });
  });
}
