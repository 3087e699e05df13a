import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';
import { runStormgate } from '../support/stormgate-command.js';

const run = promisify(execFile);
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const tour = readme.slice(readme.indexOf('### A 5-minute tour'), readme.indexOf('### Try it with curl'));

/** The ```text block that follows `command` in the tour: what the README promises it prints. */
function promisedOutput(command: string): string[] {
  const at = tour.indexOf(command);
  expect(at).toBeGreaterThan(-1);
  const block = /```text\n([\s\S]*?)```/.exec(tour.slice(at));
  return (block?.[1] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== '…');
}

/** The README's 5-minute tour, step by step, as a new user follows it (only the storm window is shortened). */
describe('README: a 5-minute tour', () => {
  let runtime: LocalRuntimeProcess;
  let endpoint: Record<string, string>;
  let sent: Awaited<ReturnType<typeof runStormgate>>;
  let fingerprints: string[];

  beforeAll(async () => {
    expect(tour).toContain('AUTH_TOKENS=dev-token-0123456789 npm start');
    // npm start's defaults, except the storm window (60 s) and the sweep, so that the request comes sooner.
    runtime = await startLocalRuntimeProcess({ AUTH_TOKENS: 'dev-token-0123456789', LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'WARN', STORM_INACTIVITY_SECONDS: '2', SWEEP_INTERVAL_SECONDS: '1' });
    endpoint = { STORMGATE_URL: runtime.url, STORMGATE_TOKEN: 'dev-token-0123456789' };
    // Step 2 is the tour's only write; every test below reads what it left (each passes alone).
    expect(tour).toContain('npx stormgate send storm');
    sent = await runStormgate(['send', 'storm'], endpoint);
    fingerprints = [...sent.stdout.matchAll(/\(stormgate why ([0-9a-f]{32})\)/g)].map((match) => match[1] as string);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('2. sends a storm of 30 pods: 30 accepted, each with the command that explains it', () => {
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^202 accepted 30 alert\(s\)/);
    expect(new Set(fingerprints).size).toBe(30);
  });

  it('3. kubectl get rr shows one request, not 30', async () => {
    const kubeconfig = join(runtime.stateDirectory, 'kubeconfig');
    expect(tour).toContain('kubectl --kubeconfig .local/kubeconfig get rr -n stormgate');
    const rows = await eventually(async () => {
      const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'rr', '-n', 'stormgate']);
      const lines = stdout.trim().split('\n');
      return lines.length > 1 ? lines : undefined;
    }, 'the storm request');
    const [header, ...requests] = rows;
    expect(header).toBe(promisedOutput('get rr -n stormgate')[0]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^rr-[0-9a-f]{32}-[0-9a-z]+\s+KubePodNotReady\s+Namespace\s+web\s+warning\s+30\s+30\s+Firing\s+\d+s$/);
  });

  it('1. the runtime printed one readable line per decision and the summary line the tour shows', async () => {
    const [, promisedSummary] = promisedOutput('LOG_LEVEL=INFO npm start');
    const decisions = await eventually(async () => {
      const lines = runtime.output().split('\n').filter((line) => line.startsWith('decision  '));
      return lines.length >= 30 ? lines : undefined;
    }, '30 decision lines');
    expect(decisions).toHaveLength(30);
    for (const line of decisions) expect(line).toMatch(/^decision {2}KubePodNotReady {2}[0-9a-f]{32} {2}join-storm \(part-of-storm\) {2}request rr-[0-9a-f]{32}-[0-9a-z]+$/);
    expect(await eventually(async () => runtime.output().split('\n').find((line) => line === promisedSummary), `the summary ${promisedSummary}`)).toBeDefined();
  });

  it('4. why explains a member: the storm, the decision and its reason, the request', async () => {
    // The storm's window must have closed for the request to be "created".
    await eventually(async () => ((await runStormgate(['why', fingerprints[0] as string], endpoint)).stdout.includes(': created') ? true : undefined), 'the storm request');
    const explained = await runStormgate(['why', fingerprints[0] as string], endpoint);
    expect(explained.code).toBe(0);
    const promised = promisedOutput('npx stormgate why <fingerprint>');
    const lines = explained.stdout.trim().split('\n').map((line) => line.trim());
    expect(lines[0]).toBe(`signal ${fingerprints[0] as string}`);
    // The same lines as the README, but for the names and times of this run.
    const shape = (line: string) => line.replace(/[0-9a-f]{32}/g, 'F').replace(/rr-F-[0-9a-z]+/g, 'RR').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
    expect(lines.map(shape)).toEqual(promised.map(shape));
  });

  it('5. replays the bundled flood with two thresholds: the table lines the tour shows', async () => {
    const command = 'npx stormgate replay test/fixtures/recordings/node-failure-storm.jsonl --compare STORM_THRESHOLD=20';
    expect(tour).toContain(command);
    const replayed = await runStormgate(command.split(' ').slice(2));
    expect(replayed.code).toBe(0);
    const printed = replayed.stdout.split('\n').map((line) => line.trim());
    for (const line of promisedOutput(command)) expect(printed).toContain(line);
  });

  it('6. doctor with the functions’ environment: every check ✓, as the tour shows', async () => {
    const doctor = await runStormgate(['doctor'], { ...endpoint, REDIS_URL: runtime.redisUrl, KUBECONFIG: join(runtime.stateDirectory, 'kubeconfig'), AUTH_TOKENS: 'dev-token-0123456789' });
    expect(doctor.code).toBe(0);
    const promised = promisedOutput('npx stormgate doctor').map((line) => line.replace('http://127.0.0.1:8080', runtime.url));
    expect(doctor.stdout.trim().split('\n').map((line) => line.trim())).toEqual(promised);
  });
});
