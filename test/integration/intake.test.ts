import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { LocalStack } from '../../local/local-stack.js';
import { proxyEvent } from '../support/builders/api-gateway-event.js';
import { alert, signalsOf, webhook } from '../support/builders/webhook.js';
import { KubeStandin } from '../../local/kube-standin/server.js';
import { type RunningRedis, startRedisStandalone } from '../../local/redis-runner.js';
import { rateBudgetKey } from '../../lib/redis/keys.js';
import { expectRedisHygiene } from '../support/redis-hygiene.js';
import { useStormgateEnv } from '../support/stormgate-env.js';

const tokens = { default: 'intake-token-0123456789', budget: 'budget-token-0123456789', big: 'big-token-0123456789' };

let server: RunningRedis;
let standin: KubeStandin;
let stack: LocalStack;
let inspect: Redis;

const post = (body: string | Uint8Array, headers: Record<string, string>) =>
  fetch(`${stack.url}/v1/alerts/alertmanager`, { method: 'POST', headers, body });
const authorized = (token = tokens.default) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
const alerts = (count: number, prefix: string) => JSON.stringify(webhook(Array.from({ length: count }, (_, index) => alert({ labels: { pod: `${prefix}-${index}` } }))));

/** Write commands Redis has executed since the last CONFIG RESETSTAT. */
async function writesSinceReset(): Promise<string[]> {
  const stats = (await inspect.info('commandstats')).split('\n');
  const commands = stats.flatMap((line) => /^cmdstat_([a-z]+)(\|[a-z]+)?:calls=\d+/.exec(line.trim())?.slice(1, 2) ?? []);
  return commands.filter((command) => !['info', 'config', 'ping', 'client', 'select', 'command', 'scan', 'pttl', 'dbsize', 'hello', 'cluster'].includes(command));
}

beforeAll(async () => {
  server = await startRedisStandalone();
  standin = await KubeStandin.start();
  const env = useStormgateEnv({
    ...server.env,
    KUBE_API_URL: standin.url,
    AUTH_TOKENS: `${tokens.default},budget=${tokens.budget},big=${tokens.big}`,
    // One alert per 100 s: the budget cannot refill while the test runs, however slow the machine.
    TENANT_RATE_ALERTS_PER_SECOND: '0.01',
    TENANT_RATE_BURST: '10',
    // Intake, not storms, is under test here: bursts of one alertname must stay individual requests.
    STORM_THRESHOLD: '1000',
    STORM_HOLD_SECONDS: '0',
    // No timer sweeps: their reads would count as commands in the no-write check.
    SWEEP_INTERVAL_SECONDS: '3600',
    PORT: '0',
  });
  const { startLocalStack } = await import('../../local/local-stack.js');
  stack = await startLocalStack({ env, stateDirectory: mkdtempSync(join(tmpdir(), 'sg-intake-')), asyncRetryDelaysMs: [20, 40], log: () => undefined });
  // The start-up check read the API; what the tests count starts here.
  standin.reset();
  inspect = new Redis(server.url as string);
});

// The tests build on each other's state (the budget), so nothing is flushed; every key must still have its
// TTL. (Not after the tests that stop Redis: nothing is there to look at.)
const redisHygieneAfterEach = () =>
  afterEach(async () => {
    await stack.runtime.drain();
    await expectRedisHygiene(inspect);
  });

afterAll(async () => {
  await stack?.stop();
  inspect?.disconnect();
  await standin?.stop();
  await server?.stop();
});

describe('hostile input never yields a 5xx or a Redis write', () => {
  redisHygieneAfterEach();
  const problemStatuses = [400, 401, 413, 415];

  async function expectProblem(response: Response): Promise<void> {
    expect(problemStatuses).toContain(response.status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: response.status, title: expect.any(String) as unknown, detail: expect.any(String) as unknown });
    expect(String(body.detail)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  }

  // Whatever ran before (tests run in any order): nothing stored, nothing counted, from here on.
  beforeAll(async () => {
    await stack.runtime.drain();
    await inspect.flushall();
    standin.reset();
    stack.resetProcessState();
    await inspect.config('RESETSTAT');
  });

  it('answers thousands of malformed bodies with a problem', async () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.constantFrom('', '{}', '[]', 'null', '{"version":"4"}', '{"__proto__":{"polluted":1}}', '\uFEFF{}', '{"alerts":'.repeat(200), `${'['.repeat(5000)}${']'.repeat(5000)}`),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (body) => {
        await expectProblem(await post(body, authorized()));
      }),
      { numRuns: 1000 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers schema-breaking mutations of a valid notification with a 400 naming a field', async () => {
    const valid = webhook([alert(), alert({ status: 'resolved', labels: { pod: 'other' } })]);
    const wrongType = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.integer(), { minKeys: 1, maxKeys: 2 }));
    const mutation = fc.oneof(
      fc.constantFrom('version', 'groupKey', 'status', 'receiver', 'alerts').map((field) => ({ ...valid, [field]: undefined })),
      fc.tuple(fc.constantFrom('version', 'groupKey', 'status', 'receiver', 'alerts'), wrongType).map(([field, value]) => ({ ...valid, [field]: value })),
      fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null)).map((truncatedAlerts) => ({ ...valid, truncatedAlerts })),
      fc.string().filter((version) => version !== '4').map((version) => ({ ...valid, version })),
      fc.tuple(fc.constantFrom('status', 'labels', 'startsAt', 'annotations', 'endsAt'), wrongType).map(([field, value]) => ({ ...valid, alerts: [{ ...valid.alerts[0], [field]: value }] })),
      fc.string({ minLength: 1 }).filter((status) => status !== 'firing' && status !== 'resolved').map((status) => ({ ...valid, alerts: [{ ...valid.alerts[0], status }] })),
      fc.string().filter((time) => Number.isNaN(Date.parse(time)) || !/T/.test(time)).map((startsAt) => ({ ...valid, alerts: [{ ...valid.alerts[0], startsAt }] })),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string(), { minKeys: 65, maxKeys: 70 }).map((labels) => ({ ...valid, alerts: [{ ...valid.alerts[0], labels: { ...labels, alertname: 'A' } }] })),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (payload) => {
        const response = await post(JSON.stringify(payload), authorized());
        expect(response.status).toBe(400);
        expect(((await response.json()) as { field?: unknown }).field).toEqual(expect.any(String));
      }),
      { numRuns: 800 },
    );
  });

  it('answers wrong credentials with 401 before reading the body', async () => {
    const credentials = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 64 }).map((token) => `Bearer ${token}`),
      fc.string({ maxLength: 64 }).map((token) => `Basic ${Buffer.from(`alertmanager:${token}`).toString('base64')}`),
      fc.string({ maxLength: 80 }),
      fc.constant(`Bearer ${tokens.default} `.repeat(2)),
      fc.constant(`Bearer ${tokens.default.slice(0, -1)}`),
    );
    await fc.assert(
      fc.asyncProperty(credentials, async (authorization) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        // Header values must be ByteStrings; drop what fetch would refuse to send.
        if (authorization !== undefined) headers.Authorization = Buffer.from(authorization, 'latin1').toString('latin1').replace(/[^\x20-\x7e]/g, '');
        const response = await post(alerts(1, 'auth'), headers);
        expect(response.status).toBe(401);
        await expectProblem(response);
      }),
      { numRuns: 500 },
    );
  });

  it('answers other content types with 415', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonp', ''), async (contentType) => {
        const response = await post(alerts(1, 'type'), { ...authorized(), 'Content-Type': contentType });
        expect(response.status).toBe(415);
        await expectProblem(response);
      }),
      { numRuns: 50 },
    );
  });

  it('answers a body over MAX_BODY_BYTES with 413', async () => {
    const response = await post(JSON.stringify(webhook([alert({ annotations: { description: 'x'.repeat(1_100_000) } })])), authorized());
    expect(response.status).toBe(413);
    await expectProblem(response);
  });

  it('answers a fuzz run of 10,000 hostile bodies, straight into the ingest function, with 4xx only and no write', async () => {
    const valid = webhook([alert()]);
    const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('__proto__', 'constructor', '\u0000', '\ud800', '${x}', '../', ','));
    const hostileLabels = fc.dictionary(anyText, anyText, { maxKeys: 8 });
    const body = fc.oneof(
      { arbitrary: fc.json({ maxDepth: 6 }), weight: 10 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 500 }), weight: 10 },
      // Well-formed notifications with hostile names and values, each missing what makes it acceptable.
      {
        arbitrary: fc.tuple(hostileLabels, hostileLabels, fc.constantFrom('version', 'alertname', 'status', 'startsAt')).map(([labels, annotations, broken]) => {
          const entry = { ...valid.alerts[0], labels: { ...labels, alertname: broken === 'alertname' ? '' : 'Fuzz' }, annotations, ...(broken === 'status' && { status: 'pending' }), ...(broken === 'startsAt' && { startsAt: 'yesterday' }) };
          return JSON.stringify({ ...valid, ...(broken === 'version' && { version: '3' }), alerts: [entry] });
        }),
        weight: 20,
      },
      // Big ones, rarer: deep nesting, and more alerts than MAX_ALERTS_PER_REQUEST.
      { arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`), weight: 1 },
      { arbitrary: fc.integer({ min: 1_001, max: 1_100 }).map((count) => JSON.stringify({ ...valid, alerts: Array.from({ length: count }, () => valid.alerts[0]) })), weight: 1 },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const event = proxyEvent({ headers: authorized(), body: typeof text === 'string' ? text : JSON.stringify(text) });
        const response = (await stack.runtime.invoke('stormgate-ingest', event)) as { statusCode: number; body: string };
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect([400, 413]).toContain(response.statusCode);
        expect(response.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      }),
      { numRuns: 10_000, seed: 20_261_201 },
    );
    process.stderr.write(`[intake fuzz] 10,000 bodies: ${JSON.stringify(Object.fromEntries(statuses))} by status\n`);
    await stack.runtime.drain();
    expect(await inspect.dbsize()).toBe(0);
    expect(standin.requests).toEqual([]);
  });

  it('wrote nothing to Redis and handed nothing on', async () => {
    await stack.runtime.drain();
    expect(await writesSinceReset()).toEqual([]);
    expect(await inspect.dbsize()).toBe(0);
    expect(standin.requests).toEqual([]);
  });
});

describe('the tenant rate budget (GCRA in Redis)', () => {
  redisHygieneAfterEach();
  it('answers 503 with Retry-After (never 429) once a tenant is over its budget, and only that tenant', async () => {
    expect((await post(alerts(10, 'burst'), authorized(tokens.budget))).status).toBe(202);
    const refused = await post(alerts(1, 'over'), authorized(tokens.budget));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(90);
    expect(await refused.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/budget/) as unknown });
    expect((await post(alerts(1, 'other-tenant'), authorized())).status).toBe(202);
    await stack.runtime.drain();
    const names = standin.list('remediationrequests').map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name);
    expect(names.filter((name) => name.startsWith('over'))).toEqual([]);
    expect(names.filter((name) => name.startsWith('burst'))).toHaveLength(10);
  });

  it('lets one notification larger than the burst through an idle budget', async () => {
    expect((await post(alerts(25, 'big'), authorized(tokens.big))).status).toBe(202);
  });

  it('keeps its state in one key per tenant, with a TTL', async () => {
    // The default tenant spends from its budget (the others' are left to the tests above, in any order).
    expect((await post(alerts(1, 'keys'), authorized())).status).toBe(202);
    await stack.runtime.drain();
    const keys = await inspect.keys('sg:r:*');
    expect(keys).toContain(rateBudgetKey('default'));
    expect(keys.every((key) => ['default', 'budget', 'big'].map(rateBudgetKey).includes(key))).toBe(true);
    for (const key of keys) expect(await inspect.pttl(key)).toBeGreaterThan(0);
  });
});

describe('when Redis is down', () => {
  beforeAll(async () => {
    await stack.runtime.drain();
    await server.stop();
  });
  // Back on the same port, so that the tests that run after these find it (they run in any order).
  afterAll(async () => {
    server = await startRedisStandalone({ port: server.ports[0] as number });
    await inspect.ping();
  });

  it('answers 503 with Retry-After and hands nothing on', async () => {
    const before = standin.requests.length;
    const response = await post(alerts(1, 'redis-down'), authorized());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    await stack.runtime.drain();
    expect(standin.requests.length).toBe(before);
  });

  it('fails a dedup invocation as retryable, so that Lambda retries it, with nothing half-written', async () => {
    const before = standin.requests.length;
    const batch = { tenant: 'default', requestId: 'req-redis-down', truncatedAlerts: 0, signals: signalsOf({ labels: { pod: 'redis-down' } }) };
    await expect(stack.runtime.invoke('stormgate-dedup', batch)).rejects.toMatchObject({ name: 'RedisUnavailableError', retryable: true });
    expect(standin.requests.length).toBe(before);
  });
});
