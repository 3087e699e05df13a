import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, webhook } from '../support/builders/webhook.js';
import { kubeApiFor, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

const token = 'sg-output-test-token-7f3a9c1e5b';
// Secret-shaped, so that the scrubber would catch it if it ever reached a value it writes.
const wrongToken = 'sk_live_51HqLyjWDarjtT1zdp7dcXYZ';
const annotationSecret = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const rr = { group: 'remediation.stormgate.dev', version: 'v1alpha1', namespace: 'stormgate', plural: 'remediationrequests' };

/**
 * What leaves the process: logs (stdout and stderr), answers and Kubernetes objects never hold a token or
 * a scrubbed secret, and a label value cannot forge a log line. Read from the local runtime run as
 * `npm start` runs it, with everything it printed captured.
 */
describe('tokens and secrets in what stormgate prints, answers and stores', () => {
  let runtime: LocalRuntimeProcess;
  const answers: string[] = [];
  const post = async (authorization: string, body: unknown) => {
    const response = await fetch(`${runtime.url}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    answers.push(await response.text());
    return response.status;
  };

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess({ AUTH_TOKENS: token, STORM_HOLD_SECONDS: '0', LOG_LEVEL: 'DEBUG', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('keeps the tokens and scrubbed secrets out of logs, answers and requests, and lets no label value forge a log line', async () => {
    const forged = 'x\n{"level":"ERROR","message":"forged log line","service":"stormgate"}\n';
    const hostile = alert({ labels: { alertname: 'OutputCheck', pod: forged }, annotations: { description: `token ${annotationSecret} leaked`, runbook: forged } });
    expect(await post(`Bearer ${token}`, webhook([hostile]))).toBe(202);
    expect(await post(`Bearer ${wrongToken}`, webhook([alert()]))).toBe(401);
    expect(await post(`Basic ${Buffer.from(`user:${wrongToken}`).toString('base64')}`, webhook([alert()]))).toBe(401);
    expect(await post(`Bearer ${token}`, '{"alerts": [')).toBe(400);
    await runtime.waitForLog((line) => line.message === 'batch deduplicated', 'the dedup of the notification');

    const { items } = (await kubeApiFor(runtime.kubeApiUrl).listNamespacedCustomObject(rr)) as { items: unknown[] };
    expect(items).toHaveLength(1);
    const stored = JSON.stringify(items);
    // The start banner shows the token on purpose (README: what `npm start` prints); what follows it must not.
    const output = runtime.output();
    const printed = output.slice(output.indexOf('Press Ctrl+C to stop.'));
    expect(printed.length).toBeGreaterThan(1_000);
    for (const [where, text] of [['logs', printed], ['answers', answers.join('\n')], ['requests', stored]] as const) {
      expect([where, text.includes(token)]).toEqual([where, false]);
      expect([where, text.includes(wrongToken)]).toEqual([where, false]);
      expect([where, text.includes(annotationSecret)]).toEqual([where, false]);
    }
    // The hostile value is data inside the one request, and inside log fields: never a line of its own.
    expect(stored).toContain('forged log line');
    const jsonLines = printed.split('\n').filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThanOrEqual(3);
    for (const line of jsonLines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(runtime.logs.filter((line) => line.message === 'forged log line')).toEqual([]);
  });
});
