import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import type { SweepSummary } from '../../lib/sweep/sweep-due-work.js';
import type { LocalStack } from '../../local/local-stack.js';
import { type AlertFixture, webhook } from './builders/webhook.js';
import { KubeStandin, type KubeObject } from '../../local/kube-standin/server.js';
import { type RunningRedis, redisTargetOf, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import { expectRedisHygiene } from './redis-hygiene.js';
import { TcpProxy } from './tcp-proxy.js';
import { flushAll } from './redis-keys.js';
import { useStormgateEnv } from './stormgate-env.js';

export type Topology = 'standalone' | 'cluster';

export interface IntegrationStack {
  readonly stack: LocalStack;
  readonly standin: KubeStandin;
  readonly redis: RedisClient;
  readonly token: string;
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Posts one notification and waits until dedup (and any retries) finished. */
  deliver(alerts: AlertFixture[], overrides?: Record<string, unknown>): Promise<{ accepted: number; alerts: { fingerprint: string }[] }>;
  /** Runs one scheduled sweep, as the EventBridge rule would. */
  sweep(): Promise<SweepSummary>;
  requests(): KubeObject[];
  /** The TCP proxy between the functions and Redis, when asked for (standalone only); the test's own client goes direct. */
  readonly redisProxy?: TcpProxy;
  /** What the local runtime logged (async retries, dead letters), oldest first. */
  readonly runtimeLog: { readonly message: string; readonly fields: Record<string, unknown> }[];
  /** The Redis server(s) the stack runs on (for faults: a cluster node killed). */
  readonly redisServer: RunningRedis;
  /** After each test: work finished, nothing dead-lettered, Redis clean (TTLs, known families), then emptied. */
  checkAndReset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The pipeline in-process on a real Redis of the given topology and the Kubernetes stand-in: ingest over
 * HTTP, the real Lambda SDK hand-off, dedup, and sweeps run when the test says so.
 */
export async function startIntegrationStack(
  topology: Topology,
  env: Record<string, string> = {},
  options: { asyncRetryDelaysMs?: readonly number[]; redisProxy?: boolean; clusterReplicas?: number } = {},
): Promise<IntegrationStack> {
  const server: RunningRedis = topology === 'cluster' ? await startRedisCluster({ replicas: options.clusterReplicas ?? 0 }) : await startRedisStandalone();
  const redisProxy = options.redisProxy ? await TcpProxy.start(server.ports[0] as number) : undefined;
  const standin = await KubeStandin.start({ token: 'standin-token' });
  const token = 'integration-token';
  const processEnv = useStormgateEnv({
    ...server.env,
    ...(redisProxy && { REDIS_URL: redisProxy.url }),
    KUBE_API_URL: standin.url,
    KUBE_TOKEN: 'standin-token',
    AUTH_TOKENS: token,
    PORT: '0',
    SWEEP_INTERVAL_SECONDS: '3600',
    ...env,
  });
  const { startLocalStack } = await import('../../local/local-stack.js');
  const runtimeLog: IntegrationStack['runtimeLog'][number][] = [];
  const stack = await startLocalStack({
    env: processEnv,
    stateDirectory: mkdtempSync(join(tmpdir(), 'sg-local-')),
    asyncRetryDelaysMs: options.asyncRetryDelaysMs ?? [20, 40],
    log: (message, fields = {}) => runtimeLog.push({ message, fields }),
  });
  // The start-up check read the API; what the tests count starts here.
  standin.reset();
  const redis = createRedisClient(redisTargetOf(server));
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    stack,
    standin,
    redis,
    token,
    post,
    deliver: async (alerts, overrides = {}) => {
      const response = await post(webhook(alerts, overrides));
      if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${await response.text()}`);
      await stack.runtime.drain();
      return (await response.json()) as { accepted: number; alerts: { fingerprint: string }[] };
    },
    sweep: async () =>
      (await stack.runtime.invoke('stormgate-storm-aggregator', { source: 'test', 'detail-type': 'Scheduled Event' })) as Awaited<ReturnType<IntegrationStack['sweep']>>,
    requests: () => standin.list('remediationrequests', 'stormgate'),
    ...(redisProxy && { redisProxy }),
    redisServer: server,
    runtimeLog,
    checkAndReset: async () => {
      await stack.runtime.drain();
      expect(await stack.runtime.deadLetters()).toEqual([]);
      await expectRedisHygiene(redis);
      await flushAll(redis);
      standin.reset();
      stack.resetProcessState();
    },
    stop: async () => {
      await stack.stop();
      await redisProxy?.stop();
      await redis.quit();
      await standin.stop();
      await server.stop();
    },
  };
}
