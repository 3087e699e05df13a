import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { fixture } from '../support/builders/webhook.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

const run = promisify(execFile);

describe('kubectl against the local runtime', () => {
  let runtime: LocalRuntimeProcess;
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--server', runtime.kubeApiUrl, '-n', 'stormgate', ...args])).stdout;

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ STORM_HOLD_SECONDS: '0' });
    const response = await fetch(`${runtime.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${runtime.token}`, 'Content-Type': 'application/json' },
      body: fixture('alertmanager-firing.json'),
    });
    expect(response.status).toBe(202);
    await eventually(async () => ((await kubectl('get', 'rr', '-o', 'name')).trim() === '' ? undefined : true), 'the request');
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('lists requests with readable columns (kubectl get rr)', async () => {
    const [header, row, ...rest] = (await kubectl('get', 'rr')).trim().split('\n');
    expect(rest).toEqual([]);
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'ALERT', 'KIND', 'TARGET', 'SEVERITY', 'OCCURRENCES', 'STORM', 'STATE', 'AGE']);
    expect(row).toMatch(/^rr-[0-9a-f]{32}-[0-9a-z]+\s+KubePodCrashLooping\s+Pod\s+checkout-7d9f8b6c5-x2x4q\s+warning\s+1\s+Firing\s+\d+s$/);
  });

  it('shows the whole object (kubectl get -o yaml) and describes it', async () => {
    const object = parse(await kubectl('get', 'remediationrequests', '-o', 'yaml')) as { items: { spec: { signalName: string }; status: unknown }[] };
    expect(object.items[0]?.spec.signalName).toBe('KubePodCrashLooping');
    expect(object.items[0]?.status).toMatchObject({ signal: { state: 'Firing' } });
    const name = (await kubectl('get', 'rr', '-o', 'name')).trim();
    const described = await kubectl('describe', name);
    expect(described).toMatch(/Kind:\s+RemediationRequest/);
    expect(described).toMatch(/Signal Name:\s+KubePodCrashLooping/);
  });
});
