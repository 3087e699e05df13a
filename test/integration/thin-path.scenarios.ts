import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { remediationRequestName } from '../../lib/domain/request-name.js';
import { defaultRetryPolicy } from '../../lib/domain/retry-policy.js';
import type { Signal } from '../../lib/domain/signal.js';
import { buildRemediationRequest } from '../../lib/kube/remediation-request.js';
import { createRedisClient, type RedisClient } from '../../lib/redis/client.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import type { LocalStack } from '../../local/local-stack.js';
import { alert, type AlertOverrides, signalsOf, webhook } from '../support/builders/webhook.js';
import { KubeStandin, type KubeObject } from '../../local/kube-standin/server.js';
import { type RunningRedis, redisTargetOf, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import { expectRedisHygiene, keysOfFamily } from '../support/redis-hygiene.js';
import { flushAll, storedKeys } from '../support/redis-keys.js';
import { useStormgateEnv } from '../support/stormgate-env.js';

const token = 'integration-token';
const teamToken = 'team-a-token-0123456789';
const namespace = 'stormgate';

/**
 * The thin path through the real handlers: HTTP → ingest (API Gateway event) → real Lambda SDK async
 * invoke → dedup → Redis of the given topology → RemediationRequest in the Kubernetes API stand-in.
 */
export function thinPathScenarios(topology: 'standalone' | 'cluster'): void {
  let server: RunningRedis;
  let standin: KubeStandin;
  let stack: LocalStack;
  const runtimeLog: ({ message: string } & Record<string, unknown>)[] = [];
  let redis: RedisClient;

  const requests = (): KubeObject[] => standin.list('remediationrequests', namespace);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const deliver = async (...overrides: AlertOverrides[]) => {
    const response = await post(webhook(overrides.map((override) => alert(override))));
    expect(response.status).toBe(202);
    await stack.runtime.drain();
    return (await response.json()) as { accepted: number; alerts: { fingerprint: string; next: string }[] };
  };
  const signalOf = (overrides: AlertOverrides = {}): Signal => signalsOf(overrides)[0] as Signal;
  let inspector: EpisodeStore;
  const sweep = async () =>
    (await stack.runtime.invoke('stormgate-storm-aggregator', { source: 'test', 'detail-type': 'Scheduled Event' })) as { claimed: number; statusWrites: number };
  const statusWrites = () => standin.writes(/\/status$/).length;
  const episodeOf = async (signal: Signal) => (await inspector.read('default', signal.fingerprint)) ?? {};

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster() : await startRedisStandalone();
    standin = await KubeStandin.start({ token: 'standin-token' });
    const env = useStormgateEnv({ ...server.env, KUBE_API_URL: standin.url, KUBE_TOKEN: 'standin-token', AUTH_TOKENS: `${token},team-a=${teamToken}`, PORT: '0',
      // Sweeps run when a test says so; status writes may be deferred by 1 s.
      SWEEP_INTERVAL_SECONDS: '3600',
      STATUS_WRITE_INTERVAL_SECONDS: '1',
      STORM_HOLD_SECONDS: '1',
    });
    const { startLocalStack } = await import('../../local/local-stack.js');
    stack = await startLocalStack({
      env,
      stateDirectory: mkdtempSync(join(tmpdir(), 'sg-local-')),
      asyncRetryDelaysMs: [20, 40],
      log: (message, fields) => runtimeLog.push({ message, ...fields }),
    });
    // The start-up check read the API; what the tests count starts here.
    standin.reset();
    redis = createRedisClient(redisTargetOf(server));
    inspector = new EpisodeStore(redis, {
      idleTtlSeconds: 3_600,
      closedTtlSeconds: 600,
      haWindowSeconds: 60,
      retryHorizonSeconds: 600,
      statusWriteIntervalSeconds: 1,
      storm: { scope: 'namespace', threshold: 5, detectionWindowSeconds: 60, holdSeconds: 1, resourceCap: 200, inactivitySeconds: 60, maxWindowSeconds: 300 },
    });
  });

  afterEach(async () => {
    await stack.runtime.drain();
    runtimeLog.length = 0;
    expect(await stack.runtime.deadLetters()).toEqual([]);
    await expectRedisHygiene(redis);
    await flushAll(redis);
    standin.reset();
    stack.resetProcessState();
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.quit();
    await standin?.stop();
    await server?.stop();
  });

  describe(`thin path on ${topology} Redis`, () => {
    it('turns a firing alert into one RemediationRequest with spec and status', async () => {
      const receipt = await deliver({});
      const signal = signalOf();
      expect(receipt).toMatchObject({
        accepted: 1,
        truncatedAlerts: 0,
        alerts: [{ fingerprint: signal.fingerprint, next: 'deduplicate', decision: `/v1/signals/${signal.fingerprint}` }],
      });
      const [request, ...others] = requests();
      expect(others).toEqual([]);
      expect(request).toMatchObject({
        metadata: { labels: { 'stormgate.dev/fingerprint': signal.fingerprint, 'stormgate.dev/tenant': 'default' } },
        spec: {
          signalFingerprint: signal.fingerprint,
          signalName: 'KubePodCrashLooping',
          severity: 'warning',
          signalSource: 'alertmanager',
          targetResource: { kind: 'Pod', name: 'checkout-7d9f8b6c5-x2x4q', namespace: 'payments' },
          firingTime: '2026-11-21T10:00:00.123456789Z',
        },
        status: { deduplication: { occurrenceCount: 1 }, signal: { state: 'Firing' } },
      });
      expect(await episodeOf(signal)).toMatchObject({ state: 'open', confirmed: true, occurrenceCount: 1 });
    });

    it('creates nothing for a repeat of the same alert and counts it', async () => {
      await deliver({});
      const writesAfterFirst = standin.writes().length;
      await deliver({});
      await deliver({ labels: { instance: '10.0.0.9:8080' } });
      expect(requests()).toHaveLength(1);
      expect(standin.writes()).toHaveLength(writesAfterFirst);
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: true, occurrenceCount: 3 });
    });

    it('turns an alert and 1000 repeats into one request with count 1001 and one deferred status write', async () => {
      await deliver({});
      const writesAfterCreate = statusWrites();
      for (let round = 0; round < 10; round += 1) {
        // Every re-send carries the alert's own startsAt, as Alertmanager's do.
        const responses = await Promise.all(Array.from({ length: 100 }, () => post(webhook([alert()]))));
        expect(responses.every((response) => response.status === 202)).toBe(true);
      }
      await stack.runtime.drain();
      expect(requests()).toHaveLength(1);
      // Duplicates wrote nothing yet: their write is due one interval after the first of them.
      expect(statusWrites()).toBe(writesAfterCreate);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await sweep()).toMatchObject({ statusWrites: 1 });
      expect(statusWrites() - writesAfterCreate).toBe(1);
      expect(requests()[0]?.status).toMatchObject({ deduplication: { occurrenceCount: 1001 } });
      // Nothing left to write: a second sweep does nothing.
      expect(await sweep()).toMatchObject({ claimed: 0 });
    });

    it('lets two racing sweeps write a deferred status once', async () => {
      await deliver({});
      await deliver({ startsAt: '2026-11-21T11:00:00Z' });
      const before = statusWrites();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const results = await Promise.all([sweep(), sweep(), sweep()]);
      expect(results.reduce((sum, result) => sum + result.statusWrites, 0)).toBe(1);
      expect(statusWrites() - before).toBe(1);
      expect(requests()[0]?.status).toMatchObject({ deduplication: { occurrenceCount: 2 } });
    });

    it('keeps a deferred status dirty, and its due entry leased, when the sweep cannot write it', async () => {
      await deliver({});
      await deliver({ startsAt: '2026-11-21T11:00:00Z' });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      standin.injectFault({ respond: 503, times: 4, methods: ['PATCH'] }); // every attempt of the writer's retries
      expect(await sweep()).toMatchObject({ claimed: 1, statusWrites: 0 });
      expect(requests()[0]?.status).toMatchObject({ deduplication: { occurrenceCount: 1 } });
      expect(await episodeOf(signalOf())).toMatchObject({ statusDirty: true });
      expect(await keysOfFamily(redis, 'due')).toHaveLength(1);
    });

    it('creates one request when HA peers deliver the same alert concurrently', async () => {
      const responses = await Promise.all(Array.from({ length: 12 }, () => post(webhook([alert()]))));
      expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 12 }, () => 202));
      await stack.runtime.drain();
      expect(requests()).toHaveLength(1);
      expect(standin.writes(/remediationrequests$/).filter((write) => write.status === 201)).toHaveLength(1);
      expect(await episodeOf(signalOf())).toMatchObject({ occurrenceCount: 12 });
    });

    it('marks the request resolved, ignores a late copy of the firing, and opens a new one when the alert fires again', async () => {
      await deliver({});
      await deliver({ status: 'resolved' });
      const [resolved] = requests();
      expect(resolved?.status).toMatchObject({ signal: { state: 'Resolved', resolvedAt: expect.any(String) as unknown } });
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'resolved' });
      // An HA peer's firing copy arriving after the resolve: the same startsAt, the same (closed) episode.
      await deliver({});
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' } });
      // Firing again: Alertmanager starts a new alert (a new startsAt), and that is a new episode.
      await deliver({ startsAt: '2026-11-21T12:00:00Z' });
      const all = requests();
      expect(all).toHaveLength(2);
      expect(all.map((request) => (request.status as { signal: { state: string } }).signal.state).sort()).toEqual(['Firing', 'Resolved']);
    });

    it('creates nothing for a resolved alert it never saw firing, nor for its firing arriving late', async () => {
      await deliver({ status: 'resolved' });
      expect(requests()).toEqual([]);
      // A bounded tombstone (the closed TTL) remembers it.
      const [tombstone] = await keysOfFamily(redis, 'episode');
      expect(tombstone?.ttl).toBeGreaterThan(0);
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'ended', lastOutcome: 'tombstone' });
      await deliver({});
      expect(requests()).toEqual([]);
    });

    // The lifecycle issue, observed failure 4: one container resolving closed the resource's episode.
    it('keeps one request for a resource while any of its alerts (containers) fires', async () => {
      await deliver({ labels: { container: 'app' } }, { labels: { container: 'sidecar' } });
      await deliver({ status: 'resolved', labels: { container: 'app' } }, { labels: { container: 'sidecar' } });
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Firing' } });
      // The repeat of the remaining container is a duplicate, not a second request.
      await deliver({ labels: { container: 'sidecar' } });
      expect(requests()).toHaveLength(1);
      await deliver({ status: 'resolved', labels: { container: 'sidecar' } });
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' } });
    });

    // Observed failure 6: the Resolved patch met 404 and the slow create then left the request Firing.
    it('ends Resolved when the resolve overtakes a slow create', async () => {
      standin.injectFault({ respond: 'slow', delayMs: 1_500, times: 1, methods: ['POST'] });
      expect((await post(webhook([alert()]))).status).toBe(202);
      // Dedup has opened the episode and its create is under way (held up by the slow API server).
      for (let attempt = 0; attempt < 50 && (await inspector.read('default', signalOf().fingerprint))?.state !== 'open'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: false });
      expect(requests()).toHaveLength(0);
      expect((await post(webhook([alert({ status: 'resolved' })]))).status).toBe(202);
      await stack.runtime.drain();
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' } });
    });

    // Observed failure 7: a Lambda retry replayed the first attempt's decisions after a later resolve.
    it('keeps a request Resolved when Lambda retries an earlier batch after the resolve', async () => {
      const batch = { tenant: 'default', requestId: 'retried-batch', truncatedAlerts: 0, groupLabels: {}, signals: [signalOf()] };
      await stack.runtime.invoke('stormgate-dedup', batch);
      await deliver({ status: 'resolved' });
      await stack.runtime.invoke('stormgate-dedup', batch);
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' }, deduplication: { occurrenceCount: 1 } });
    });

    // Observed failure 10: after Redis lost its state the next repeat created a second request.
    it('adopts the request of an episode after Redis lost its state: one request, resolved by the late resolve', async () => {
      await deliver({});
      await flushAll(redis);
      await deliver({});
      expect(requests()).toHaveLength(1);
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: true });
      await flushAll(redis);
      await deliver({ status: 'resolved' });
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' } });
      // A late firing copy after yet another loss: the request of this very episode is Resolved, so nothing opens.
      await flushAll(redis);
      await deliver({});
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.status).toMatchObject({ signal: { state: 'Resolved' } });
    });

    // Found by the sustained-load test: a late old copy, after Redis lost its state, is confirmed against its
    // Resolved request while the alert fires again with a newer startsAt; the newer occurrence must not be
    // closed with the old one (it would wait for Alertmanager's next re-send, up to repeat_interval).
    it('gives a newer occurrence its request when it joins a late old copy whose request was found Resolved', async () => {
      await deliver({});
      await deliver({ status: 'resolved' });
      await flushAll(redis);
      // The old copy asks Kubernetes for its episode's request (a list by label), held up while the alert fires again.
      standin.injectFault({ respond: 'slow', delayMs: 1_500, times: 1, methods: ['GET'] });
      expect((await post(webhook([alert()]))).status).toBe(202);
      for (let attempt = 0; attempt < 50 && (await inspector.read('default', signalOf().fingerprint))?.state !== 'open'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: false });
      const laterStart = '2026-11-21T11:00:00Z';
      expect((await post(webhook([alert({ startsAt: laterStart })]))).status).toBe(202);
      await stack.runtime.drain();
      const shown = requests()
        .map((request) => [Date.parse((request.spec as { firingTime: string }).firingTime), (request.status as { signal?: { state?: string } }).signal?.state])
        .sort();
      expect(shown).toEqual([
        [Date.parse(signalOf().startsAt), 'Resolved'],
        [Date.parse(laterStart), 'Firing'],
      ]);
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: true, episodeStart: Date.parse(laterStart) / 1000 });
    });

    it('handles every alert of a notification across namespaces (many hash slots)', async () => {
      const receipt = await deliver(...Array.from({ length: 30 }, (_, index) => ({ labels: { namespace: `team-${index % 10}`, pod: `api-${index}` } })));
      expect(receipt.accepted).toBe(30);
      expect(requests()).toHaveLength(30);
      expect(new Set(requests().map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name)).size).toBe(30);
    });

    // The faults outlast the writer's own attempts (defaultRetryPolicy.maxAttempts), so that the first
    // invocation fails and only Lambda's async retry can complete the request.
    const lambdaRetries = () => runtimeLog.filter((entry) => entry.message === 'async invocation failed, will retry');

    it('completes the same request after the API server fails every attempt of the first invocation (async retry)', async () => {
      standin.injectFault({ respond: 503, times: defaultRetryPolicy.maxAttempts, methods: ['POST'] });
      await deliver({});
      expect(lambdaRetries()).toHaveLength(1);
      expect(requests()).toHaveLength(1);
      expect(await episodeOf(signalOf())).toMatchObject({ state: 'open', confirmed: true });
    });

    it('completes the same request after connection drops between reserve and create (async retry)', async () => {
      standin.injectFault({ respond: 'reset', times: defaultRetryPolicy.maxAttempts, methods: ['POST'] });
      await deliver({});
      expect(lambdaRetries()).toHaveLength(1);
      expect(requests()).toHaveLength(1);
      expect(requests()[0]?.metadata.name).toBe(remediationRequestName(signalOf().fingerprint, (await inspector.read('default', signalOf().fingerprint))?.episodeStart ?? Number.NaN));
    });

    it('adopts a request created by an invocation that crashed before confirming it', async () => {
      const signal = signalOf();
      const [reserved] = (await inspector.observe('default', [signal], Math.floor(Date.now() / 1000) - 5)).results;
      const episodeStart = reserved?.kind === 'opened' ? reserved.episodeStart : Number.NaN;
      const orphan = buildRemediationRequest(signal, episodeStart, { namespace, tenant: 'default' });
      await fetch(`${standin.url}/apis/remediation.stormgate.dev/v1alpha1/namespaces/${namespace}/remediationrequests`, {
        method: 'POST',
        headers: { Authorization: 'Bearer standin-token', 'Content-Type': 'application/json' },
        body: JSON.stringify(orphan),
      });
      await deliver({});
      expect(requests()).toHaveLength(1);
      expect(requests()[0]).toMatchObject({ metadata: { name: orphan.metadata.name }, status: { deduplication: { occurrenceCount: 2 } } });
      expect(await episodeOf(signal)).toMatchObject({ state: 'open', confirmed: true, occurrenceCount: 2 });
    });

    it('answers malformed JSON with 400 naming the body; nothing reaches Redis or Kubernetes', async () => {
      const response = await post('{"version": "4", "alerts": [');
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 400, field: '(body)', detail: expect.stringMatching(/not valid JSON/) as unknown });
      await stack.runtime.drain();
      expect(await storedKeys(redis)).toEqual([]);
      expect(standin.requests).toEqual([]);
    });

    it('answers a schema violation with 400 naming the field', async () => {
      const response = await post(webhook([alert({ startsAt: 'soon' })]));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ field: 'alerts[0].startsAt' });
    });

    it.each([
      ['no credentials', {}],
      ['a wrong token', { Authorization: 'Bearer not-the-token' }],
    ])('answers %s with 401 and writes nothing', async (_case, headers) => {
      const response = await fetch(`${stack.url}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(webhook([alert()])),
      });
      expect(response.status).toBe(401);
      await stack.runtime.drain();
      expect(await storedKeys(redis)).toEqual([]);
      expect(standin.requests).toEqual([]);
    });

    it('answers 415 for a non-JSON content type and 413 for a body over MAX_BODY_BYTES', async () => {
      expect((await post(webhook([alert()]), { 'Content-Type': 'text/plain' })).status).toBe(415);
      const huge = webhook([alert({ annotations: { description: 'x'.repeat(1_100_000) } })]);
      const tooLarge = await post(huge);
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toMatchObject({ status: 413 });
      expect(standin.requests).toEqual([]);
    });

    it('tells what happened to a signal and why, at GET /v1/signals/{fingerprint}', async () => {
      const readDecision = async (fingerprint: string, headers: Record<string, string> = { Authorization: `Bearer ${token}` }) => {
        const response = await fetch(`${stack.url}/v1/signals/${fingerprint}`, { headers });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const { alerts } = await deliver({});
      const fingerprint = alerts[0]?.fingerprint ?? '';
      const created = await readDecision(fingerprint);
      expect(created).toMatchObject({
        status: 200,
        body: {
          fingerprint,
          episode: { state: 'open', occurrenceCount: 1 },
          lastDecision: { outcome: 'opened', action: 'create-request', reason: 'new-episode' },
          remediationRequest: { namespace, name: requests()[0]?.metadata.name, state: 'created' },
        },
      });

      // The same notification again within the HA window: an HA peer's copy.
      await deliver({});
      expect((await readDecision(fingerprint)).body).toMatchObject({ lastDecision: { action: 'count-duplicate', reason: 'ha-peer-redelivery' }, episode: { occurrenceCount: 2 } });
      // A new occurrence (another delivery of the alert).
      await deliver({ startsAt: '2026-11-21T10:30:00Z' });
      expect((await readDecision(fingerprint)).body).toMatchObject({ lastDecision: { reason: 'duplicate-of-open-episode' }, episode: { occurrenceCount: 3 } });
      await deliver({ status: 'resolved', startsAt: '2026-11-21T10:30:00Z' });
      expect((await readDecision(fingerprint)).body).toMatchObject({ episode: { state: 'resolved' }, lastDecision: { action: 'mark-resolved', reason: 'resolved-open-episode' } });

      expect(await readDecision('0'.repeat(32))).toMatchObject({ status: 404, body: { status: 404 } });
      expect(await readDecision('not-a-fingerprint')).toMatchObject({ status: 400, body: { field: 'fingerprint' } });
      expect(await readDecision(fingerprint, {})).toMatchObject({ status: 401 });
      // Another tenant cannot read it.
      expect(await readDecision(fingerprint, { Authorization: `Bearer ${teamToken}` })).toMatchObject({ status: 404 });
    });

    it('keeps tenants apart: the same alert from two tenants is two requests, labelled by tenant', async () => {
      await deliver({});
      const response = await post(webhook([alert()]), { Authorization: `Bearer ${teamToken}` });
      expect(response.status).toBe(202);
      await stack.runtime.drain();
      const tenants = requests().map((request) => request.metadata.labels?.['stormgate.dev/tenant']).sort();
      expect(tenants).toEqual(['default', 'team-a']);
    });

    it('answers health checks without credentials', async () => {
      const response = await fetch(`${stack.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });
  });
}
