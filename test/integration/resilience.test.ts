import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, type AlertFixture, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

// Alerts in namespaces of their own: individual requests, no storms, nothing held.
const alertsIn = (prefix: string, count: number): AlertFixture[] =>
  Array.from({ length: count }, (_, index) => alert({ labels: { namespace: `${prefix}-${index}`, pod: `api-${index}` } }));
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('writes that survive a sick API server', () => {
  let it_: IntegrationStack;

  beforeAll(async () => {
    // Async retries like Lambda's, shortened (Lambda waits about 1 and 2 minutes).
    it_ = await startIntegrationStack('standalone', { STORM_HOLD_SECONDS: '0' }, { asyncRetryDelaysMs: [10_000, 15_000] });
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  function expectExactlyOneRequestPer(alerts: AlertFixture[]): void {
    const requests = it_.requests();
    const targets = requests.map((request) => (request.spec as { targetResource: { namespace: string } }).targetResource.namespace).sort();
    expect(targets).toEqual(alerts.map((entry) => entry.labels.namespace).sort());
    for (const request of requests) expect(request.status).toMatchObject({ deduplication: { occurrenceCount: 1 }, signal: { state: 'Firing' } });
  }

  it('turns every accepted alert into exactly one request while 30% of writes fail with 500/503', async () => {
    it_.standin.setFaultProfile({ fraction: 0.3, statuses: [500, 503], seed: 20_261_130 });
    const alerts = alertsIn('flaky', 40);
    for (let batch = 0; batch < 8; batch += 1) expect((await it_.post(webhook(alerts.slice(batch * 5, batch * 5 + 5)))).status).toBe(202);
    await it_.stack.runtime.drain();
    expect(it_.standin.requests.filter((request) => request.status >= 500).length).toBeGreaterThan(0);
    expectExactlyOneRequestPer(alerts);
  });

  it('waits out a burst of 429 Too Many Requests, honouring Retry-After', async () => {
    it_.standin.injectFault({ respond: 429, times: 6, retryAfterSeconds: 1 });
    const alerts = alertsIn('throttled', 5);
    await it_.deliver(alerts);
    expect(it_.standin.requests.filter((request) => request.status === 429)).toHaveLength(6);
    expectExactlyOneRequestPer(alerts);
  });

  it('creates once when a create is slower than the 5 s call timeout and lands after the writer gave up on it', async () => {
    // The first create is answered after 6 s: the writer's call times out at 5 s and tries again; the slow
    // one still lands (as on a real API server), so one of the two meets AlreadyExists.
    it_.standin.injectFault({ respond: 'slow', delayMs: 6_000, times: 1, methods: ['POST'] });
    const alerts = alertsIn('slow-create', 1);
    await it_.deliver(alerts);
    await pause(1_500);
    expect(it_.standin.writes(/remediationrequests$/).filter((request) => request.method === 'POST').length).toBeGreaterThanOrEqual(2);
    expectExactlyOneRequestPer(alerts);
  });

  it('creates once when connections are reset in the middle of creates', async () => {
    it_.standin.injectFault({ respond: 'reset', times: 2, methods: ['POST'] });
    const alerts = alertsIn('reset-create', 3);
    await it_.deliver(alerts);
    expect(it_.standin.requests.filter((request) => request.method === 'POST' && request.status === 0)).toHaveLength(2);
    expectExactlyOneRequestPer(alerts);
  });

  it('survives a 20-second outage: ingest fails fast once the circuit opens, nothing accepted is lost or doubled', async () => {
    it_.standin.startOutage(20_000);
    const accepted = alertsIn('outage-early', 4);
    expect((await it_.post(webhook(accepted.slice(0, 2)))).status).toBe(202);
    expect((await it_.post(webhook(accepted.slice(2)))).status).toBe(202);

    // Once dedup's circuit is open, ingest refuses new work with 503 + Retry-After (Alertmanager retries).
    let refused: Response | undefined;
    for (let attempt = 0; attempt < 50 && refused === undefined; attempt += 1) {
      await pause(100);
      const response = await it_.post(webhook(alertsIn('outage-late', 1)));
      if (response.status === 503) refused = response;
      else expect(response.status).toBe(202);
      if (response.status === 202) accepted.push(...alertsIn('outage-late', 1));
    }
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused?.json()).toMatchObject({ status: 503 });

    // Lambda's async retries carry the accepted batches past the outage.
    await it_.stack.runtime.drain();
    // What Alertmanager retries after the outage is accepted and created once.
    await it_.deliver(alertsIn('outage-late', 1));
    accepted.push(...alertsIn('outage-late', 1));
    const unique = [...new Map(accepted.map((entry) => [entry.labels.namespace, entry])).values()];
    expectExactlyOneRequestPer(unique);
  });
});
