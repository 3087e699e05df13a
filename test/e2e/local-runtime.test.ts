import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { fixture } from '../support/builders/webhook.js';
import { eventually, type LocalRuntimeProcess, kubeApiFor, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

const rr = { group: 'remediation.stormgate.dev', version: 'v1alpha1', namespace: 'stormgate', plural: 'remediationrequests' };

type RequestList = { items: { metadata: { name: string }; spec: Record<string, unknown>; status?: Record<string, unknown> }[] };

describe('npm start: the local runtime, driven as the README does', () => {
  let runtime: LocalRuntimeProcess;
  let kube: CustomObjectsApi;

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess();
    kube = kubeApiFor(runtime.kubeApiUrl);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('prints its URL, token, Redis URL and Kubernetes API URL', () => {
    expect(runtime.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(runtime.token).toMatch(/^sg-local-[0-9a-f]{32}$/);
    expect(runtime.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(runtime.kubeApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates exactly one RemediationRequest for the sample alert, and none when it is posted again', async () => {
    const post = () =>
      fetch(`${runtime.url}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${runtime.token}`, 'Content-Type': 'application/json' },
        body: fixture('alertmanager-firing.json'),
      });
    const first = await post();
    expect(first.status).toBe(202);
    const receipt = (await first.json()) as { accepted: number; alerts: { fingerprint: string }[] };
    expect(receipt.accepted).toBe(1);

    const list = () => kube.listNamespacedCustomObject(rr) as Promise<RequestList>;
    const created = await eventually(async () => {
      const { items } = await list();
      return items.length > 0 ? items : undefined;
    }, 'the RemediationRequest');
    expect(created).toHaveLength(1);
    expect(created[0]?.spec).toMatchObject({ signalName: 'KubePodCrashLooping', signalFingerprint: receipt.alerts[0]?.fingerprint });

    const repeat = await post();
    expect(repeat.status).toBe(202);
    const { requestId } = (await repeat.json()) as { requestId: string };
    // Counted as a duplicate, or, if it raced the first create, completed onto the same request.
    const batch = await runtime.waitForLog((line) => line.message === 'batch deduplicated' && line.requestId === requestId, 'the repeat to be deduplicated');
    expect(batch.created).toBe(0);
    expect((await list()).items).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await runtime.stop()).toBe(0);
    await expect(fetch(`${runtime.url}/healthz`)).rejects.toThrow();
  });
});

describe('npm start: what it prints while alerts flow', () => {
  let runtime: LocalRuntimeProcess;

  beforeAll(async () => {
    // npm start's default level (WARN: decisions as readable lines, not JSON), with the EMF that Lambda writes.
    runtime = await startLocalRuntimeProcess({ LOG_LEVEL: 'WARN', POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'false' });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('prints one readable line per decision and a summary line, and the functions write the metrics as EMF', async () => {
    const post = async () => {
      const response = await fetch(`${runtime.url}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${runtime.token}`, 'Content-Type': 'application/json' },
        body: fixture('alertmanager-firing.json'),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { alerts: { fingerprint: string }[] }).alerts[0]?.fingerprint as string;
    };
    const fingerprint = await post();
    const lineOf = (pattern: RegExp) => eventually(async () => runtime.output().split('\n').find((line) => pattern.test(line)), String(pattern));
    const created = await lineOf(/^decision .* create-request /);
    expect(created).toMatch(new RegExp(`^decision  KubePodCrashLooping  ${fingerprint}  create-request \\(new-episode\\)  request rr-${fingerprint}-[0-9a-z]+$`));
    // The same notification again within the HA window: what an HA peer's copy looks like.
    await post();
    expect(await lineOf(/^decision .* count-duplicate /)).toMatch(new RegExp(`^decision  KubePodCrashLooping  ${fingerprint}  count-duplicate \\(ha-peer-redelivery\\)  request rr-${fingerprint}-`));
    expect(await lineOf(/^summary .*received 2 /)).toBe('summary   received 2 · duplicates 1 · storm alerts 0 · storms open 0 · requests created 1 · resolved 0');

    const emf = (name: string) => runtime.logs.filter((line) => '_aws' in line && name in line).map((line) => line[name]);
    expect(emf('AlertsReceived')).toEqual([1, 1]);
    expect(emf('RequestsCreated')).toEqual([1]);
    expect(emf('DuplicatesAbsorbed')).toEqual([1]);
    expect(runtime.logs.find((line) => '_aws' in line)).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: 'Stormgate/local', Dimensions: [['service']] }] }, service: 'stormgate' });
    // At WARN the functions' info logs stay off the screen.
    expect(runtime.logs.filter((line) => line.message === 'signal decided')).toEqual([]);
  });
});
