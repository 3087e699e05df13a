import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { startAlertmanager } from '../support/alertmanager-harness.js';
import { runStormgate } from '../support/stormgate-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `stormgate record` with the real Alertmanager as the sender: what a team does to capture its own flood. */
describe('stormgate record', () => {
  it('writes each notification Alertmanager sends as a line with its arrival offset, then stops after --count', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sg-record-')), 'flood.jsonl');
    const token = 'record-test-token-0123456789';
    const recorder = spawn(process.execPath, ['bin/stormgate.mjs', 'record', file, '--port', '0', '--count', '2', '--token', token], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    recorder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    recorder.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => recorder.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the recorder did not start: ${output}`)), 20_000);
      recorder.stdout.on('data', () => {
        const found = /point Alertmanager at (\S+) /.exec(output)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    const alertmanager = await startAlertmanager({ webhookUrl: url, bearerToken: token, groupInterval: '1s' });
    try {
      const pods = ['db-0', 'db-1', 'db-2'];
      await alertmanager.pushAlerts(pods.map((pod) => ({ labels: { alertname: 'Recorded', namespace: 'rec', pod } })));
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await alertmanager.pushAlerts([{ labels: { alertname: 'Recorded', namespace: 'rec', pod: 'db-0' }, endsAt: new Date().toISOString() }]);
      expect(await exited).toBe(0);
    } finally {
      recorder.kill();
      await alertmanager.stop();
    }
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { offsetMs: number; receivedAt: string; body: { version: string; alerts: { status: string; labels: { pod: string } }[] } });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.body.version).toBe('4');
    expect(lines[0]?.body.alerts.map((alert) => alert.labels.pod).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    // group_interval later, the whole group again, with db-0 resolved.
    expect(lines[1]?.body.alerts.find((alert) => alert.labels.pod === 'db-0')?.status).toBe('resolved');
    expect(lines[1]?.offsetMs).toBeGreaterThan(lines[0]?.offsetMs ?? Infinity);
    expect(Date.parse(lines[1]?.receivedAt ?? '') - Date.parse(lines[0]?.receivedAt ?? '')).toBe((lines[1]?.offsetMs ?? 0) - (lines[0]?.offsetMs ?? 0));
    expect(output).toContain('recorded notification 2 (3 alerts)');

    // What the team captured replays: three pods (not more than the threshold) are three requests, the
    // re-sent two are duplicates, db-0's resolve resolves its request. Without the storm hold: the re-send
    // came about 2.5 s later, within the default 3 s hold, where db-0 would end before getting a request.
    const replayed = await runStormgate(['replay', file, '--json', '--set', 'STORM_HOLD_SECONDS=0']);
    expect(replayed.code).toBe(0);
    const [outcome] = (JSON.parse(replayed.stdout) as { settings: { totals: Record<string, number> }[] }).settings;
    expect(outcome?.totals).toEqual({ alerts: 6, duplicates: 2, stormAlerts: 0, requests: 3, storms: 0, resolved: 1 });
  });

  it('--append continues the file’s timeline: a notification an hour later is an hour on', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sg-record-')), 'flood.jsonl');
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(file, `${JSON.stringify({ offsetMs: 0, receivedAt: anHourAgo, body: { version: '4', alerts: [] } })}\n`);
    const recorder = spawn(process.execPath, ['bin/stormgate.mjs', 'record', file, '--port', '0', '--count', '1', '--append'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    recorder.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => recorder.once('exit', resolve));
    const url = await new Promise<string>((resolve) => {
      recorder.stdout.on('data', () => {
        const found = /point Alertmanager at (\S+) /.exec(output)?.[1];
        if (found) resolve(found);
      });
    });
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ version: '4', alerts: [] }) });
    expect(response.status).toBe(200);
    expect(await exited).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { offsetMs: number; receivedAt: string });
    expect(lines).toHaveLength(2);
    expect(lines[1]?.offsetMs).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.parse(lines[1]?.receivedAt ?? '') - (lines[1]?.offsetMs ?? 0)).toBe(Date.parse(anHourAgo));
  });
});
