import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisClient } from '../../lib/redis/client.js';
import type { KubeObject } from '../../local/kube-standin/server.js';
import { redisTargetOf, startRedisStandalone } from '../../local/redis-runner.js';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import type { TcpProxy } from '../support/tcp-proxy.js';

type RequestStatus = { signal?: { state?: string }; deduplication?: { occurrenceCount?: number } };
const statusOf = (request: KubeObject | undefined) => (request?.status ?? {}) as RequestStatus;
const nameOf = (request: KubeObject) => (request.spec as { signalName: string }).signalName;

/**
 * Redis misbehaving between the functions and their state, through a TCP proxy (test/support/tcp-proxy.ts):
 * slow, slower than the command timeout, a connection lost after a script ran but before its reply, and a
 * restart that lost everything. Each ends with every alert answered 202 in exactly one request, or with a
 * 503 that Alertmanager retries.
 */
describe('Redis faults between the functions and their state', () => {
  let it_: IntegrationStack;
  let proxy: TcpProxy;

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', { STORM_HOLD_SECONDS: '0' }, { redisProxy: true });
    proxy = it_.redisProxy as TcpProxy;
  });
  afterAll(async () => {
    await it_?.stop();
  });

  it('answers 202 and makes one request per alert while every Redis round trip takes 200 ms longer', async () => {
    proxy.latencyMs = 100;
    try {
      const names = ['Slow0', 'Slow1', 'Slow2', 'Slow3'];
      const responses = await Promise.all(names.map((name) => it_.post(webhook([alert({ labels: { alertname: name } })]))));
      expect(responses.map((response) => response.status)).toEqual([202, 202, 202, 202]);
      await it_.stack.runtime.drain();
      expect(it_.requests().map(nameOf).sort()).toEqual(names);
      for (const request of it_.requests()) expect(statusOf(request).deduplication?.occurrenceCount).toBe(1);
    } finally {
      proxy.latencyMs = 0;
    }
    await it_.checkAndReset();
  });

  it('answers 503 with Retry-After, and hands nothing on, while Redis is slower than the command timeout; the retry is taken', async () => {
    const notification = webhook([alert({ labels: { alertname: 'SlowerThanTimeout' } })]);
    proxy.latencyMs = 2_500;
    let refused: Response;
    try {
      refused = await it_.post(notification);
    } finally {
      proxy.latencyMs = 0;
    }
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    await it_.stack.runtime.drain();
    expect(it_.requests()).toEqual([]);
    // The late replies of the timed-out commands arrive on the same connection; the retry still works.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await it_.post(notification)).status).toBe(202);
    await it_.stack.runtime.drain();
    expect(it_.requests().map(nameOf)).toEqual(['SlowerThanTimeout']);
    expect(statusOf(it_.requests()[0]).deduplication?.occurrenceCount).toBe(1);
    await it_.checkAndReset();
  });

  it('counts a batch once when the connection is lost after its decision script ran and before the reply came back', async () => {
    // The decision script's call names the alert (its storm key's metadata); ingest's calls do not.
    const decisionCall = (request: Buffer) => request.includes('CutMidBatch') && /EVAL/i.test(request.toString('latin1'));
    const decisionCalls = proxy.countRequests(decisionCall);
    const cut = proxy.cutAfterReplyTo(decisionCall);
    const receipt = await it_.deliver([alert({ labels: { alertname: 'CutMidBatch' } })]);
    await cut;
    expect(receipt.accepted).toBe(1);
    // The script ran once for the lost reply and again for the repeat (a resend or Lambda's retry): the
    // batch's marker made the repeat count nothing.
    expect(decisionCalls()).toBeGreaterThanOrEqual(2);
    expect(it_.requests().map(nameOf)).toEqual(['CutMidBatch']);
    expect(statusOf(it_.requests()[0])).toMatchObject({ signal: { state: 'Firing' }, deduplication: { occurrenceCount: 1 } });
    await it_.checkAndReset();
  });

  it('keeps one request per problem when Redis comes back empty (a restart without persistence)', async () => {
    await it_.deliver([alert({ labels: { alertname: 'BeforeRestart' } })]);
    expect(it_.requests().map(nameOf)).toEqual(['BeforeRestart']);
    const restarted = await startRedisStandalone();
    const restartedClient = createRedisClient(redisTargetOf(restarted));
    const original = proxy.retarget(restarted.ports[0] as number);
    try {
      // Alertmanager's repeat of the open alert, and a new alert, after the loss.
      await it_.deliver([alert({ labels: { alertname: 'BeforeRestart' } }), alert({ labels: { alertname: 'AfterRestart', pod: 'other-0' } })]);
      expect(it_.requests().map(nameOf).sort()).toEqual(['AfterRestart', 'BeforeRestart']);
      // The surviving request was adopted: its counts go on from what it showed (never lower).
      const adopted = it_.requests().find((request) => nameOf(request) === 'BeforeRestart');
      expect(statusOf(adopted).deduplication?.occurrenceCount).toBeGreaterThanOrEqual(1);
      // Its resolve still finds it.
      await it_.deliver([alert({ status: 'resolved', labels: { alertname: 'BeforeRestart' } })]);
      expect(statusOf(it_.requests().find((request) => nameOf(request) === 'BeforeRestart')).signal?.state).toBe('Resolved');
      expect(it_.requests()).toHaveLength(2);
      await it_.stack.runtime.drain();
      await expectRedisHygiene(restartedClient);
    } finally {
      proxy.retarget(original);
      await restartedClient.quit();
      await restarted.stop();
    }
    await it_.checkAndReset();
  });
});
