import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/free-port.js';
import { type RunningRedis, startRedisCluster, startRedisStandalone } from '../../local/redis-runner.js';
import type { Projection } from '../../lib/redis/memory-projection.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';
import { runStormgate } from '../support/stormgate-command.js';

const token = 'cli-redis-token-0123456789';
const unknown = 'f'.repeat(32);

interface MemoryReport {
  families: Record<string, { keys: number; bytes: number }>;
  servers: { maxmemory: number }[];
  projection?: Projection & { maxmemory?: number; maxmemoryFraction?: number };
}

/** Fingerprints of a send's receipt lines, by alertname. */
function fingerprintsOf(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}([0-9a-f]{32}) {2}/gm)].map((match) => match[1] as string);
}

describe.each(['standalone', 'cluster'] as const)('stormgate why and memory straight from a %s Redis', (topology) => {
  let server: RunningRedis;
  let runtime: LocalRuntimeProcess;
  const redis = () => (topology === 'cluster' ? ['--cluster', server.clusterNodes ?? ''] : ['--redis', server.url ?? '']);
  const endpoint = () => ['--url', runtime.url, '--token', token];
  let episode: string;
  let stormMember: string;

  beforeAll(async () => {
    server = topology === 'cluster' ? await startRedisCluster({ maxmemory: '64mb' }) : await startRedisStandalone({ maxmemory: '64mb' });
    runtime = await startLocalRuntimeProcess({ ...server.env, AUTH_TOKENS: token, STORM_HOLD_SECONDS: '0' });
    const firing = await runStormgate(['send', 'firing', ...endpoint()]);
    expect(firing.code).toBe(0);
    episode = fingerprintsOf(firing.stdout)[0] as string;
    // 297 alerts truncated away: the group's storm key opens a storm, its members have no episode of their own.
    const truncated = await runStormgate(['send', 'truncated', ...endpoint()]);
    expect(truncated.code).toBe(0);
    stormMember = fingerprintsOf(truncated.stdout)[0] as string;
    await eventually(async () => ((await runStormgate(['why', episode, ...endpoint()])).stdout.includes(': created') ? true : undefined), 'the request to be created');
    await eventually(async () => ((await runStormgate(['why', stormMember, ...endpoint()])).code === 0 ? true : undefined), 'the storm member to be decided');
  });
  afterAll(async () => {
    await runtime?.stop();
    await server?.stop();
  });

  it('gives the receipt the endpoint gives, as JSON and as lines, for an episode and for a storm member', async () => {
    for (const fingerprint of [episode, stormMember]) {
      const [fromEndpoint, fromRedis] = await Promise.all([runStormgate(['why', fingerprint, '--json', ...endpoint()]), runStormgate(['why', fingerprint, '--json', ...redis()])]);
      expect(fromRedis.code).toBe(0);
      expect(JSON.parse(fromRedis.stdout)).toEqual(JSON.parse(fromEndpoint.stdout));
      const [linesFromEndpoint, linesFromRedis] = await Promise.all([runStormgate(['why', fingerprint, ...endpoint()]), runStormgate(['why', fingerprint, ...redis()])]);
      expect(linesFromRedis).toEqual({ code: 0, stdout: linesFromEndpoint.stdout, stderr: '' });
    }
    expect(JSON.parse((await runStormgate(['why', episode, '--json', ...redis()])).stdout)).toMatchObject({
      fingerprint: episode,
      episode: { state: 'open', occurrenceCount: 1 },
      lastDecision: { outcome: 'opened', reason: 'new-episode' },
      remediationRequest: { namespace: 'stormgate', state: 'created' },
    });
    expect(JSON.parse((await runStormgate(['why', stormMember, '--json', ...redis()])).stdout)).toMatchObject({
      fingerprint: stormMember,
      storm: { state: 'collecting' },
      lastDecision: { outcome: 'stormed' },
      remediationRequest: { state: 'aggregating' },
    });
  });

  it("exits 1 for a fingerprint Redis does not hold, or another tenant's", async () => {
    expect(await runStormgate(['why', unknown, ...redis()])).toMatchObject({ code: 1, stderr: expect.stringContaining(`no signal ${unknown} for this tenant`) });
    expect(await runStormgate(['why', episode, '--tenant', 'someone-else', ...redis()])).toMatchObject({ code: 1, stderr: expect.stringContaining(`no signal ${episode}`) });
    expect((await runStormgate(['why', episode, '--tenant', 'default', ...redis()])).code).toBe(0);
  });

  it('projects the memory N alerts/minute need from the bytes per key it measured, per part and in total', async () => {
    const report = JSON.parse((await runStormgate(['memory', ...redis(), '--project', '100', '--json'])).stdout) as MemoryReport;
    const projection = report.projection as NonNullable<MemoryReport['projection']>;
    const { sample, rows } = projection;
    // The sample is the families the inventory found, split into the parts the projection multiplies.
    const family = (name: string) => ({ keys: report.families[name]?.keys ?? 0, bytes: report.families[name]?.bytes ?? 0 });
    expect(sample.episode).toEqual({ units: family('episode').keys, ...family('episode') });
    expect(sample.batch).toEqual({ units: family('batch').keys, ...family('batch') });
    expect(sample.detection.bytes + sample.storm.bytes).toBe(family('storm').bytes);
    expect(sample.fixed.bytes).toBe(family('due').bytes + family('rate').bytes + family('kube').bytes);
    expect(sample.storm.units).toBe(1);

    // Defaults: every alert a new fingerprint (100 × 1440 a day), records live the idle TTL (86,400 s),
    // markers the retry horizon (21,600 s), detection windows 60 s; no storms.
    expect(projection.load).toEqual({ alertsPerMinute: 100, distinctPerDay: 144_000, stormsPerDay: 0, distinctAssumed: true });
    expect(rows.map((row) => [row.part, row.units])).toEqual([['episode', 144_000], ['batch', 36_000], ['detection', 100], ['storm', 0], ['fixed', 1]]);
    for (const row of rows.slice(0, 4)) {
      const measured = sample[row.part];
      if (measured.units === 0) continue;
      expect(row.bytesPerUnit).toBe(measured.bytes / measured.units);
      expect(row.bytes).toBe(Math.round((row.units * measured.bytes) / measured.units));
      expect(row.keys).toBe(Math.round((row.units * measured.keys) / measured.units));
    }
    expect(rows[0]?.bytes).toBe(Math.round(144_000 * (family('episode').bytes / family('episode').keys)));
    const keys = rows.reduce((sum, row) => sum + row.keys, 0);
    expect(projection.keys).toBe(keys);
    expect(projection.bytes).toBe(rows.reduce((sum, row) => sum + row.bytes, 0) + keys * projection.tableBytesPerKey);
    const maxmemory = report.servers.reduce((sum, each) => sum + each.maxmemory, 0);
    expect(maxmemory).toBe(report.servers.length * 64 * 2 ** 20);
    expect(projection.maxmemory).toBe(maxmemory);
    expect(projection.maxmemoryFraction).toBe(projection.bytes / maxmemory);

    // A given load: 1,000 fingerprints a day (1 detection window alive), 2 storms at the measured size of one.
    const given = (JSON.parse((await runStormgate(['memory', ...redis(), '--project', '100', '--distinct', '1000', '--storms', '2', '--json'])).stdout) as MemoryReport).projection;
    expect(given?.rows.map((row) => [row.part, row.units])).toEqual([['episode', 1000], ['batch', 36_000], ['detection', 1], ['storm', 2], ['fixed', 1]]);
    const storm = given?.rows.find((row) => row.part === 'storm');
    expect(storm?.bytes).toBe(2 * (given?.sample.storm.bytes ?? 0));

    const lines = await runStormgate(['memory', ...redis(), '--project', '100']);
    expect(lines.code).toBe(0);
    expect(lines.stdout).toContain('projection for 100 alerts/min: every alert a new fingerprint, the most (assumed: give --distinct D), 0 storms/day');
    expect(lines.stdout).toMatch(/^episode +fingerprint +86400 +144000 +144000 +[\d.]+ +\d+$/m);
    expect(lines.stdout).toMatch(/^batch +notification +21600 +36000 +36000 +[\d.]+ +\d+$/m);
    expect(lines.stdout).toMatch(/^total +[\d.]+ MiB \(\d+ bytes\), [\d.]+% of maxmemory [\d.]+ MiB/m);
  });

  it('exits 3 promptly when the Redis does not answer', async () => {
    const closed = await freePort();
    const where = topology === 'cluster' ? ['--cluster', `127.0.0.1:${closed}`] : ['--redis', `redis://127.0.0.1:${closed}`];
    expect(await runStormgate(['why', unknown, ...where])).toMatchObject({ code: 3, stderr: expect.stringContaining('Redis did not answer') });
    expect(await runStormgate(['memory', ...where, '--project', '10'])).toMatchObject({ code: 3, stderr: expect.stringContaining('Redis did not answer') });
  });
});

describe('stormgate memory and why on a Redis without stormgate keys, and misused', () => {
  let server: RunningRedis;
  beforeAll(async () => {
    server = await startRedisStandalone();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('makes no projection without a sample to measure, and says how to get one', async () => {
    const url = server.url ?? '';
    const lines = await runStormgate(['memory', '--redis', url, '--project', '100']);
    expect(lines.code).toBe(0);
    expect(lines.stdout).toContain("no projection: this Redis holds none of stormgate's keys to measure; send a notification");
    expect(lines.stdout).not.toContain('total');
    const report = JSON.parse((await runStormgate(['memory', '--redis', url, '--project', '100', '--json'])).stdout) as { projection: { unavailable: string } };
    expect(report.projection.unavailable).toContain('stormgate send firing');
    expect(await runStormgate(['why', unknown, '--redis', url])).toMatchObject({ code: 1 });
  });

  it('exits 2 for a command line that is wrong', async () => {
    const url = server.url ?? '';
    const usage = async (args: string[], message: string) => expect(await runStormgate(args)).toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
    await usage(['why', unknown, '--redis', url, '--tenant', 'Not_A_Tenant'], '--tenant takes a tenant name');
    await usage(['why', unknown, '--tenant', 'default'], '--tenant goes with --redis or --cluster');
    await usage(['why', unknown, '--redis', url, '--cluster', '127.0.0.1:7000'], 'give --redis or --cluster, not both');
    await usage(['why', unknown, '--redis', 'http://127.0.0.1:6379'], 'must be a redis:// or rediss:// URL');
    await usage(['why', unknown, '--cluster', '127.0.0.1'], 'expected host:port');
    await usage(['why', 'not-a-fingerprint', '--redis', url], '32 hex characters');
    await usage(['memory', '--redis', url, '--project', '0'], '--project takes a whole number above 0');
    await usage(['memory', '--redis', url, '--project', '1.5'], '--project takes a whole number above 0');
    await usage(['memory', '--redis', url, '--distinct', '10'], '--distinct and --storms go with --project N');
    await usage(['memory', '--redis', url, '--project', '1', '--distinct', '1441'], '--distinct cannot exceed the alerts of a day');
    expect((await runStormgate(['memory', '--redis', url, '--project', '1', '--distinct', '1440'])).code).toBe(0);
  });
});
