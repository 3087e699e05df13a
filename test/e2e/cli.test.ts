import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { freePort } from '../../local/free-port.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';
import { runStormgate } from '../support/stormgate-command.js';

const token = 'cli-test-token-0123456789';

describe('the stormgate command', () => {
  let runtime: LocalRuntimeProcess;
  const endpoint = () => ['--url', runtime.url, '--token', token];

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ AUTH_TOKENS: token, STORM_HOLD_SECONDS: '0' });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('lists its commands, and says how it was misused with exit code 2', async () => {
    const help = await runStormgate(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['send', 'why', 'memory', 'dead-letters']) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(await runStormgate([])).toMatchObject({ code: 2 });
    expect(await runStormgate(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command frobnicate') });
    expect(await runStormgate(['send', '--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: stormgate send <fixture|file|->') });
    expect(await runStormgate(['send', '--nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--nope'") });
    expect(await runStormgate(['send', 'no-such-fixture'])).toMatchObject({ code: 2, stderr: expect.stringContaining('is neither a fixture') });
    expect(await runStormgate(['why', 'not-a-fingerprint'])).toMatchObject({ code: 2, stderr: expect.stringContaining('32 hex characters') });
  });

  it('sends a fixture, prints the receipt, and explains the decision with why', async () => {
    const sent = await runStormgate(['send', 'firing', ...endpoint()]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^202 accepted 1 alert\(s\), request \S+$/m);
    const fingerprint = /^ {2}([0-9a-f]{32}) {2}KubePodCrashLooping {2}firing {2}→ deduplicate {3}\(stormgate why \1\)$/m.exec(sent.stdout)?.[1] as string;
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);

    const explained = await eventually(async () => {
      const why = await runStormgate(['why', fingerprint, ...endpoint()]);
      return why.stdout.includes(': created') ? why : undefined;
    }, 'the request to be created');
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain(`signal ${fingerprint}`);
    expect(explained.stdout).toMatch(/^ {2}episode {3}open, started \S+, last seen \S+, 1 occurrence\(s\)$/m);
    expect(explained.stdout).toMatch(/^ {2}decision {2}opened → create-request \(new-episode\)$/m);
    expect(explained.stdout).toContain('the first firing alert of this resource');
    expect(explained.stdout).toMatch(new RegExp(`^  request   stormgate/rr-${fingerprint}-[0-9a-z]+: created$`, 'm'));

    // The same notification again looks like an HA peer's copy; the endpoint and token come from the environment.
    const env = { STORMGATE_URL: runtime.url, STORMGATE_TOKEN: token };
    expect((await runStormgate(['send', 'firing'], env)).code).toBe(0);
    const again = await eventually(async () => {
      const why = await runStormgate(['why', fingerprint, '--json'], env);
      return (JSON.parse(why.stdout) as { episode?: { occurrenceCount: number } }).episode?.occurrenceCount === 2 ? why : undefined;
    }, 'the second occurrence');
    expect(JSON.parse(again.stdout)).toMatchObject({ fingerprint, lastDecision: { outcome: 'redelivered', reason: 'ha-peer-redelivery' }, remediationRequest: { state: 'created' } });
  });

  it('exits 1 with the problem when refused or not found, and 3 when nothing answers', async () => {
    const refused = await runStormgate(['send', 'firing', '--url', runtime.url]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^401 Unauthorized: /m) });
    expect(refused.stderr).toContain('give the token with --token or STORMGATE_TOKEN');
    const missing = await runStormgate(['why', 'f'.repeat(32), ...endpoint()]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining(`no signal ${'f'.repeat(32)} for this tenant`) });
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await runStormgate(['send', 'firing', '--url', closed, '--token', token])).toMatchObject({ code: 3, stderr: expect.stringContaining('could not reach the endpoint: ECONNREFUSED') });
  });

  it('checks the keys in Redis: every family with its TTLs, exit 1 for a key without TTL or memory over the fraction, 3 when unreachable', async () => {
    await runStormgate(['send', 'mixed', ...endpoint()]);
    await eventually(async () => (runtime.logs.some((line) => line.message === 'batch deduplicated') ? true : undefined), 'a deduplicated batch');
    const healthy = await runStormgate(['memory', '--redis', runtime.redisUrl]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/^episode +\d+ +\d+ {2}\d+–\d+$/m);
    expect(healthy.stdout).toMatch(/^batch +\d+ +\d+ {2}\d+–\d+$/m);
    expect(healthy.stdout).toMatch(/used [\d.]+ MiB of [\d.]+ MiB \([\d.]+% used\), policy noeviction, fragmentation [\d.]+$/m);
    expect(healthy.stdout).toContain('✓ every stormgate key has a TTL');
    const report = JSON.parse((await runStormgate(['memory', '--redis', runtime.redisUrl, '--json'])).stdout) as { healthy: boolean; families: Record<string, { keys: number; withoutTtl: number }> };
    expect(report.healthy).toBe(true);
    expect(report.families.episode?.keys).toBeGreaterThan(0);

    const redis = new Redis(runtime.redisUrl);
    try {
      await redis.set('sg:k', '1');
      const leak = await runStormgate(['memory', '--redis', runtime.redisUrl]);
      expect(leak).toMatchObject({ code: 1, stdout: expect.stringContaining('✗ no TTL: "sg:k"') });
    } finally {
      await redis.del('sg:k');
      redis.disconnect();
    }
    expect(await runStormgate(['memory', '--redis', runtime.redisUrl, '--max-fraction', '0.000001'])).toMatchObject({ code: 1, stdout: expect.stringContaining('uses more than') });
    expect(await runStormgate(['memory'])).toMatchObject({ code: 2, stderr: expect.stringContaining('give --redis URL or --cluster') });
    expect(await runStormgate(['memory', '--redis', `redis://127.0.0.1:${await freePort()}`])).toMatchObject({ code: 3, stderr: expect.stringContaining('Redis did not answer') });
  });

  it("checks a deployment's wiring with doctor: every line ✓ when it is right, ✗ with the fix when not", async () => {
    const wiring = { REDIS_URL: runtime.redisUrl, KUBE_API_URL: runtime.kubeApiUrl, AUTH_TOKENS: token };
    const healthy = await runStormgate(['doctor', ...endpoint()], wiring);
    expect(healthy.stdout.trim().split('\n').map((line) => line.slice(0, 17))).toEqual([
      '✓ configuration  ',
      '✓ redis          ',
      '✓ redis eviction ',
      '✓ kubernetes     ',
      '✓ endpoint       ',
      '✓ endpoint auth  ',
      '✓ endpoint token ',
    ]);
    expect(healthy.code).toBe(0);

    const closedPort = await freePort();
    const broken = await runStormgate(['doctor', '--json', '--url', runtime.url, '--token', 'not-a-token-0123456789'], { ...wiring, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as { ok: boolean; checks: { name: string; ok: boolean; fix?: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((check) => !check.ok).map((check) => check.name)).toEqual(['redis', 'endpoint token']);
    expect(report.checks.find((check) => check.name === 'redis')?.fix).toContain('REDIS_URL');

    const unconfigured = await runStormgate(['doctor'], { ...wiring, RR_NAMESPACE: 'Not_A_Namespace' });
    expect(unconfigured).toMatchObject({ code: 1, stdout: expect.stringMatching(/^✗ configuration +.*RR_NAMESPACE/m) });
  });

  it('prints the receipt as JSON with --json', async () => {
    const sent = await runStormgate(['send', 'mixed', '--json', ...endpoint()]);
    expect(sent.code).toBe(0);
    const receipt = JSON.parse(sent.stdout) as { accepted: number; alerts: unknown[] };
    expect(receipt.accepted).toBe(receipt.alerts.length);
    expect(receipt.accepted).toBeGreaterThan(1);
  });
});
