import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { onMetric, type StormgateMetric } from '../../lib/telemetry/metrics.js';
import { alert } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

/**
 * The dashboard's counts (lib/telemetry/metrics.ts) through the real handlers: each effect counted once
 * where it happens, whatever Lambda retries or Alertmanager re-sends.
 */
describe('metrics count what happened, once', () => {
  let it_: IntegrationStack;
  let counted: Partial<Record<StormgateMetric, number>>;
  let stop: () => void;

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', { STORM_THRESHOLD: '5', STORM_HOLD_SECONDS: '0', STORM_INACTIVITY_SECONDS: '1', STATUS_WRITE_INTERVAL_SECONDS: '1' });
  });
  beforeEach(() => {
    counted = {};
    stop = onMetric((name, value) => {
      counted[name] = (counted[name] ?? 0) + value;
    });
  });
  afterEach(async () => {
    stop();
    await it_.checkAndReset();
  });
  afterAll(async () => {
    await it_?.stop();
  });

  const pod = (name: string, status: 'firing' | 'resolved' = 'firing') => alert({ status, labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: name } });

  it('a request created by an attempt that then failed is counted once, not lost with the attempt nor counted by the retry', async () => {
    // The create lands, the status patch fails every guarded attempt: the invocation fails and Lambda retries it.
    it_.standin.injectFault({ respond: 500, times: 4, methods: ['PATCH'] });
    await it_.deliver([pod('a')]);
    expect(it_.runtimeLog.some((entry) => /retry/i.test(entry.message))).toBe(true);
    expect(it_.requests()).toHaveLength(1);
    expect(counted.RequestsCreated).toBe(1);
    expect(counted.AlertsReceived).toBe(1);
  });

  it('a resolve delivered twice marks its request Resolved once; a re-sent firing is one duplicate', async () => {
    await it_.deliver([pod('b')]);
    await it_.deliver([pod('b')], { receiver: 'second-route' });
    await it_.deliver([pod('b', 'resolved')]);
    await it_.deliver([pod('b', 'resolved')], { receiver: 'second-route' });
    expect(it_.requests().map((request) => (request.status as { signal?: { state?: string } }).signal?.state)).toEqual(['Resolved']);
    expect(counted).toMatchObject({ AlertsReceived: 4, RequestsCreated: 1, DuplicatesAbsorbed: 1, RequestsResolved: 1 });
  });

  it('a storm: its members absorbed, one request opened and closed', async () => {
    const members = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];
    const grouped = { groupKey: '{}:{alertname="KubePodCrashLooping", namespace="shop"}', groupLabels: { alertname: 'KubePodCrashLooping', namespace: 'shop' } };
    await it_.deliver(members.map((name) => pod(name)), grouped);
    const sweepUntilQuiet = async () => {
      for (let round = 0; round < 10; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        if ((await it_.sweep()).claimed === 0) return;
      }
    };
    await sweepUntilQuiet();
    expect(counted).toMatchObject({ StormAlertsAbsorbed: 7, StormsOpened: 1, RequestsCreated: 1 });
    await it_.deliver(members.map((name) => pod(name, 'resolved')), grouped);
    await sweepUntilQuiet();
    expect(it_.requests()).toHaveLength(1);
    expect(counted).toMatchObject({ StormAlertsAbsorbed: 14, StormsOpened: 1, StormsClosed: 1, RequestsCreated: 1, RequestsResolved: 1 });
    expect(counted.DuplicatesAbsorbed ?? 0).toBe(0);
  });
});
