import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Cluster } from 'ioredis';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const notifications = 60;

/**
 * ElastiCache cluster mode's failover, for real: 3 masters with a replica each, a master killed (SIGKILL)
 * while notifications keep coming, its replica promoted by the cluster itself (cluster-node-timeout 2 s).
 * The sender behaves like Alertmanager: a 503 is retried until it is accepted.
 */
describe('a Redis Cluster master killed while alerts flow (3 masters + 3 replicas)', () => {
  let it_: IntegrationStack;

  beforeAll(async () => {
    // Lambda's async retries, shortened but longer than a failover takes.
    it_ = await startIntegrationStack('cluster', { STORM_HOLD_SECONDS: '0' }, { clusterReplicas: 1, asyncRetryDelaysMs: [4_000, 8_000] });
  });
  afterAll(async () => {
    await it_?.stop();
  });

  it('ends with every acknowledged alert in exactly one request, whichever keys the dead master held (503s are re-sent, batches wait or are retried)', async () => {
    const cluster = it_.redis as Cluster;
    /** Ports of the live masters, as the cluster itself says (CLUSTER NODES). */
    const liveMasters = async () =>
      String(await cluster.call('CLUSTER', 'NODES'))
        .split('\n')
        .filter((line) => / master /.test(` ${line.split(' ')[2] ?? ''} `.replace(/,/g, ' ')) && !/fail/.test(line.split(' ')[2] ?? ''))
        .map((line) => Number(/:(\d+)@/.exec(line)?.[1]))
        .sort();
    const masters = await liveMasters();
    const killedPort = masters[0] as number;
    expect(masters).toHaveLength(3);
    const statuses: number[] = [];

    // Alertmanager's behaviour: re-send a refused notification until it is taken.
    const send = async (index: number) => {
      const notification = webhook([alert({ labels: { alertname: 'Failover', namespace: `failover-${index}`, pod: `api-${index}` } })]);
      for (let attempt = 0; attempt < 60; attempt += 1) {
        const response = await it_.post(notification);
        statuses.push(response.status);
        if (response.status === 202) return;
        expect(response.status).toBe(503);
        await pause(500);
      }
      throw new Error(`notification ${index} was never accepted`);
    };
    const sending: Promise<void>[] = [];
    let killed: Promise<void> | undefined;
    for (let index = 0; index < notifications; index += 1) {
      if (index === 10) killed = it_.redisServer.kill?.(killedPort);
      sending.push(send(index));
      await pause(100);
    }
    await Promise.all(sending);
    await killed;
    await it_.stack.runtime.drain();

    // The replica was promoted: three masters again, the killed one not among them.
    const after = await liveMasters();
    expect(after).toHaveLength(3);
    expect(after).not.toContain(killedPort);

    const namespaces = it_.requests().map((request) => (request.spec as { targetResource: { namespace: string } }).targetResource.namespace).sort();
    expect(namespaces).toEqual(Array.from({ length: notifications }, (_, index) => `failover-${index}`).sort());
    for (const request of it_.requests()) expect(request.status).toMatchObject({ signal: { state: 'Firing' }, deduplication: { occurrenceCount: 1 } });
    expect(await it_.stack.runtime.deadLetters()).toEqual([]);
    // Batches whose storm keys lived on the killed master either waited inside their invocation for the
    // client to find the promoted replica, or failed and were retried by Lambda: reported, both are fine.
    const retried = it_.runtimeLog.filter((entry) => entry.message === 'async invocation failed, will retry').length;
    process.stderr.write(
      `[redis failover] ${notifications} notifications, master :${killedPort} killed after the 10th: ${statuses.filter((status) => status === 202).length} accepted, ${statuses.filter((status) => status === 503).length} refused with 503 and re-sent, ${retried} dedup invocations retried\n`,
    );
  });
});
