import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type KubeObject, KubeStandin } from '../../local/kube-standin/server.js';
import { type RunningRedis, startRedisStandalone } from '../../local/redis-runner.js';
import { alert, webhook } from '../support/builders/webhook.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';
import { runStormgate } from '../support/stormgate-command.js';

const functionsToken = 'sg-crash-test-functions-token';

/** `stormgate dead-letters …` (what `npm run dead-letters --` runs) on a runtime's state directory. */
const deadLettersCommand = (stateDirectory: string, ...args: string[]) => runStormgate(['dead-letters', ...args], { LOCAL_STATE_DIR: stateDirectory });

/**
 * Lambda's async semantics in the local runtime, against a crash: an alert answered 202 is in exactly one
 * request even when the process dies in the middle of its dedup invocation (the invocation is on disk and
 * runs again at the next start), and what fails three times waits as a dead letter until
 * `npm run dead-letters -- redrive` sends it back. Redis and the Kubernetes stand-in live in the test's
 * process, so they outlive the runtime as a cluster and ElastiCache outlive a Lambda sandbox.
 */
describe('the local runtime killed in the middle of an invocation', () => {
  let redis: RunningRedis;
  let standin: KubeStandin;
  const running: LocalRuntimeProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const runtime = await startLocalRuntimeProcess({ ...redis.env, KUBE_API_URL: standin.url, KUBE_TOKEN: functionsToken, STORM_HOLD_SECONDS: '0', ...extra });
    running.push(runtime);
    return runtime;
  };
  const post = (runtime: LocalRuntimeProcess, body: unknown) =>
    fetch(`${runtime.url}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: `Bearer ${runtime.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const requestsFor = (alertname: string) =>
    standin.list('remediationrequests', 'stormgate').filter((request) => (request.spec as { signalName?: string }).signalName === alertname);
  const occurrences = (request: KubeObject | undefined) => (request?.status as { deduplication?: { occurrenceCount?: number } } | undefined)?.deduplication?.occurrenceCount;

  beforeAll(async () => {
    redis = await startRedisStandalone({ maxmemory: '16mb' });
    standin = await KubeStandin.start({ token: functionsToken });
  });
  afterEach(async () => {
    for (const runtime of running.splice(0)) await runtime.kill();
    standin.reset();
  });
  afterAll(async () => {
    await standin?.stop();
    await redis?.stop();
  });

  it.each([
    ['its create lands after the process died', 'slow'],
    ['its create never reached the API server', 'hang'],
  ] as const)('ends in exactly one request when %s', async (_case, respond) => {
    const alertname = `Crash${respond}`;
    const first = await start();
    let killed: { readonly done: Promise<void> } | undefined;
    // The kill comes at the moment dedup's create reaches the API server: the Redis step is done, the request is not.
    standin.injectFault({ respond, delayMs: 1_000, times: 1, methods: ['POST'], onMatch: () => (killed = { done: first.kill() }) });
    expect((await post(first, webhook([alert({ labels: { alertname } })]))).status).toBe(202);
    await (await eventually(async () => killed, 'the kill at the create')).done;
    expect(readdirSync(join(first.stateDirectory, 'lambda', 'queued'))).toHaveLength(1);

    const restarted = await start({ LOCAL_STATE_DIR: first.stateDirectory });
    await restarted.waitForLog((line) => line.message === 'resuming queued async invocations', 'the resumed invocation');
    const [request] = await eventually(async () => (occurrences(requestsFor(alertname)[0]) === 1 ? requestsFor(alertname) : undefined), 'the request and its status');
    expect(requestsFor(alertname)).toHaveLength(1);
    expect(request?.status).toMatchObject({ signal: { state: 'Firing' }, deduplication: { occurrenceCount: 1 } });
    await eventually(async () => (readdirSync(join(first.stateDirectory, 'lambda', 'queued')).length === 0 ? true : undefined), 'the queue to empty');
    expect((await deadLettersCommand(first.stateDirectory, 'list', '--json')).stdout).toBe(`${JSON.stringify({ deadLetters: [], unreadable: [] })}\n`);
  });

  it('keeps a batch that failed three times as a dead letter, lists it, and redrives it with one command', async () => {
    const runtime = await start({ LOCAL_ASYNC_RETRY_DELAYS_MS: '100,200' });
    // Every create is refused while the API server is down (three attempts, each with its own retries).
    standin.setFaultProfile({ fraction: 1, seed: 1, statuses: [503], methods: ['POST'] });
    expect((await post(runtime, webhook([alert({ labels: { alertname: 'DeadLettered' } })]))).status).toBe(202);
    await runtime.waitForLog((line) => line.message === 'async invocation dead-lettered', 'the dead letter', 60_000);

    const listed = await deadLettersCommand(runtime.stateDirectory, 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^[0-9a-f-]{36} {2}\S+ {2}stormgate-dedup {2}attempts 3 {2}\S+: .+$/m);
    expect(listed.stdout).toContain('1 dead letter(s); send them back with: npm run dead-letters -- redrive --all');
    expect(requestsFor('DeadLettered')).toEqual([]);

    // The outage is over; the redrive waits out the circuit breaker the failures opened (as an operator
    // would: redriven while it is open, the batch fails fast again and comes back as a dead letter).
    standin.clearFaults();
    const opened = runtime.logs.filter((line) => line.message === 'kubernetes circuit opened').map((line) => Date.parse(String(line.until)));
    const closesAt = Math.max(0, ...opened);
    while (Date.now() <= closesAt) await new Promise((resolve) => setTimeout(resolve, 100));
    const redriven = await deadLettersCommand(runtime.stateDirectory, 'redrive', '--all', '--json');
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toMatchObject({ redriven: [{ functionName: 'stormgate-dedup' }], failed: [], unknown: [] });
    await eventually(async () => (occurrences(requestsFor('DeadLettered')[0]) === 1 ? true : undefined), 'the redriven request');
    expect(requestsFor('DeadLettered')).toHaveLength(1);
    expect((await deadLettersCommand(runtime.stateDirectory, 'list')).stdout).toBe('no dead letters\n');
  });

  it('refuses a redrive without a running runtime, and a redrive of nothing, with exit code 2 and the fix', async () => {
    const runtime = await start();
    await runtime.stop();
    const noRuntime = await deadLettersCommand(runtime.stateDirectory, 'redrive', '--all');
    expect(noRuntime).toMatchObject({ code: 2, stderr: expect.stringContaining('no local runtime is running') });
    expect(noRuntime.stderr).toContain('start it with npm start');
    const neither = await deadLettersCommand(runtime.stateDirectory, 'redrive');
    expect(neither).toMatchObject({ code: 2, stderr: expect.stringContaining('redrive takes either --all or request ids') });
    const unknown = await deadLettersCommand(runtime.stateDirectory, 'frobnicate');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown action frobnicate: list or redrive') });
    const nowhere = await deadLettersCommand(join(runtime.stateDirectory, 'mistyped'), 'list');
    expect(nowhere).toMatchObject({ code: 2, stderr: expect.stringContaining('holds no local runtime state') });
  });

  it('refuses to start on a state directory another running runtime uses', async () => {
    const first = await start();
    await expect(start({ LOCAL_STATE_DIR: first.stateDirectory })).rejects.toThrow(/another local runtime \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) uses the state directory .*LOCAL_STATE_DIR/);
  });
});
