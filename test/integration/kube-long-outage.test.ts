import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeHealth } from '../../lib/redis/kube-health.js';
import { lambdaEventSender, redriveDeadLetters } from '../../local/redrive.js';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
type Status = { signal?: { state?: string }; deduplication?: { occurrenceCount?: number } };

/**
 * A Kubernetes outage longer than anything that waits for it: Lambda's retries are spent and the batch's
 * marker (DEDUP_RETRY_HORIZON_SECONDS, 6 h deployed, 2 s here) has expired before the API is back. What
 * happens after (README, "Dead letters"): the batch waits in the dead-letter queue (the DeadLetters alarm
 * fires), and its redrive makes each request once; the alerts of the redriven batch count once more as
 * occurrences, because nothing remembers that batch any longer.
 */
describe('a Kubernetes outage longer than the retry horizon', () => {
  let it_: IntegrationStack;

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', { STORM_HOLD_SECONDS: '0', DEDUP_RETRY_HORIZON_SECONDS: '2' }, { asyncRetryDelaysMs: [200, 400] });
  });
  afterAll(async () => {
    await it_?.stop();
  });

  it('keeps the batch as a dead letter, and its redrive after the outage makes each request once', async () => {
    const alerts = ['a', 'b', 'c'].map((name) => alert({ labels: { alertname: 'LongOutage', namespace: `long-outage-${name}`, pod: `api-${name}` } }));
    it_.standin.startOutage(3_600_000);
    expect((await it_.post(webhook(alerts))).status).toBe(202);
    await it_.stack.runtime.drain();
    const [deadLetter, ...more] = await it_.stack.runtime.deadLetters();
    expect(more).toEqual([]);
    expect(deadLetter?.requestContext.approximateInvokeCount).toBe(3);
    expect(it_.runtimeLog.map((entry) => entry.message)).toContain('async invocation dead-lettered');

    // Past the horizon: the batch's marker is gone; then the API comes back.
    await pause(2_500);
    it_.standin.clearFaults();
    it_.stack.resetProcessState();
    const outcome = await redriveDeadLetters(it_.stack.runtime.store, 'all', lambdaEventSender(it_.stack.url));
    expect(outcome.failed).toEqual([]);
    await it_.stack.runtime.drain();

    const requests = it_.requests();
    expect(requests.map((request) => (request.spec as { targetResource: { namespace: string } }).targetResource.namespace).sort()).toEqual(['long-outage-a', 'long-outage-b', 'long-outage-c']);
    // Each alert counted by the first attempt and again by the redrive (its marker had expired): two.
    for (const request of requests) expect(request.status as Status).toMatchObject({ signal: { state: 'Firing' }, deduplication: { occurrenceCount: 2 } });
    expect(await it_.stack.runtime.deadLetters()).toEqual([]);

    // Alertmanager's next re-send of the group is a duplicate of each open episode: no new request.
    await it_.stack.runtime.invoke('stormgate-storm-aggregator', { source: 'test', 'detail-type': 'Scheduled Event' });
    // Until the open circuit the outage published ends, ingest answers 503 (Alertmanager retries); after it, 202.
    await pause(await new KubeHealth(it_.redis).blockedForMs());
    await it_.deliver(alerts);
    expect(it_.requests()).toHaveLength(3);
    await it_.checkAndReset();
  });
});
