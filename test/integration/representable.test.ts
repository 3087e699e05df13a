import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

/**
 * A 202 is a promise: whatever intake accepts becomes RemediationRequests (or storm members) that the CRD
 * accepts, on real Redis, through the real hand-off, into the stand-in with the CRD's validation on; what it
 * refuses is a 4xx naming the field. Label values of any unicode (lone surrogates, controls, RTL, emoji),
 * lengths around every CRD limit, separators everywhere.
 */
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('every accepted alert is representable', () => {
  let it_: IntegrationStack;

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', {
      MAX_LABEL_VALUE_LENGTH: '4096',
      STORM_THRESHOLD: '3',
      STORM_HOLD_SECONDS: '0',
      STORM_INACTIVITY_SECONDS: '1',
      STORM_MAX_WINDOW_SECONDS: '1',
    });
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  const oddCharacter = fc.oneof(
    fc.constantFrom('\ud800', '\udfff', '\u0000', '\u0007', '\u202e', '\u200f', '/', '.', ':', '%', '"', '\\', '{', '=', ',', ' ', '🐢', '支', 'é', 'a'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  // Lengths around the CRD's limits: namespace 63, severity 64, name 253, alertname 1024, label value 4096.
  const length = fc.constantFrom(0, 1, 2, 62, 63, 64, 65, 252, 253, 254, 1023, 1024, 1025, 4095, 4096);
  const value = fc.tuple(fc.array(oddCharacter, { minLength: 1, maxLength: 6 }), length).map(([characters, size]) => {
    const pattern = characters.join('');
    return pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
  });
  const labels = fc.record(
    { alertname: value, namespace: value, pod: value, severity: value, node: value, deployment: value, team: value },
    { requiredKeys: ['alertname'] },
  );

  it('ends every 202 as objects the CRD accepts, never a dead letter; every refusal is a 4xx naming the field', async () => {
    const runs = 25;
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(labels, fc.integer({ min: 1, max: 5 }), value, async (shared, count, summary) => {
        // `count` pods of one alertname and namespace: three or more open a storm.
        const alerts = Array.from({ length: count }, (_, index) =>
          alert({ labels: { ...(shared as Record<string, string>), pod: `${shared.pod ?? 'pod'}-${index}` }, annotations: { summary } }),
        );
        const response = await it_.post(JSON.stringify(webhook(alerts, { groupLabels: { alertname: shared.alertname } })));
        const body = (await response.json()) as { detail?: string };
        if (response.status !== 202) {
          expect(response.status).toBe(400);
          expect(body.detail).toMatch(/^alerts\[\d+\]\.labels/);
          refused += 1;
          return;
        }
        accepted += 1;
        await it_.stack.runtime.drain();
        if (count >= 3) await sleep(1_100); // let the storm window close
        const sweep = await it_.sweep();
        expect(sweep.failed).toBe(0);
        await it_.stack.runtime.drain();
        expect(await it_.stack.runtime.deadLetters()).toEqual([]);
        expect(it_.standin.requests.filter((request) => request.status >= 400)).toEqual([]);
        expect(it_.requests().length).toBeGreaterThan(0);
        await it_.checkAndReset();
      }),
      { numRuns: runs, seed: 20_261_130, endOnFailure: true },
    );
    process.stderr.write(`[representable] ${runs} notifications: ${accepted} accepted and written, ${refused} refused with a 400 naming the field\n`);
    expect(accepted).toBeGreaterThan(0);
  });

  it("keeps a storm's resources in its namespace whatever separators their names hold", async () => {
    const pods = ['kube-system/coredns-1', '../kube-system/coredns-2', 'kube-system%2Fcoredns-3', 'a/b/c'];
    const response = await it_.post(JSON.stringify(webhook(pods.map((pod) => alert({ labels: { namespace: 'payments', pod } })))));
    expect(response.status).toBe(202);
    await it_.stack.runtime.drain();
    await sleep(1_100); // let the storm window close
    expect((await it_.sweep()).stormsCreated).toBe(1);
    const storm = it_.requests().find((request) => (request.spec as { storm?: unknown }).storm !== undefined);
    const affected = (storm?.spec as { storm: { affectedResources: { kind: string; name: string; namespace?: string }[] } }).storm.affectedResources;
    expect(affected.map((resource) => resource.name).sort()).toEqual([...pods].sort());
    for (const resource of affected) expect(resource).toMatchObject({ kind: 'Pod', namespace: 'payments' });
  });

  it('answers 503 when a later part of a split hand-off fails, and the retry counts the parts already handed on once', async () => {
    // 16 alerts of ~20 KB: more than one async invoke (240 KB), so the hand-off is split in two.
    const alerts = Array.from({ length: 16 }, (_, index) =>
      alert({ labels: { namespace: `split-${index}`, pod: `api-${index}` }, annotations: Object.fromEntries(Array.from({ length: 10 }, (_, note) => [`note${note}`, 'x'.repeat(2_000)])) }),
    );
    const body = JSON.stringify(webhook(alerts));
    const runtime = it_.stack.runtime;
    const invokeAsync = runtime.invokeAsync.bind(runtime);
    let invocations = 0;
    // The second payload fails every attempt the SDK makes (3); the first was queued.
    runtime.invokeAsync = async (name, payload) => {
      invocations += 1;
      if (invocations >= 2) throw new Error('Lambda is throttling');
      return invokeAsync(name, payload);
    };
    try {
      expect((await it_.post(body)).status).toBe(503);
    } finally {
      runtime.invokeAsync = invokeAsync;
    }
    await runtime.drain();
    const handedOn = it_.requests().length;
    expect(handedOn).toBeGreaterThan(0);
    expect(handedOn).toBeLessThan(16);
    // Alertmanager retries the whole notification.
    expect((await it_.post(body)).status).toBe(202);
    await runtime.drain();
    const requests = it_.requests();
    expect(requests).toHaveLength(16);
    for (const request of requests) expect(request.status).toMatchObject({ deduplication: { occurrenceCount: 1 } });
  });

  it('accepts an alert larger than one async invoke (64 annotations of 2,048 CJK characters) and writes it, cut to fit', async () => {
    const annotations = Object.fromEntries(Array.from({ length: 64 }, (_, index) => [`note${index}`, '支'.repeat(2_048)]));
    const body = JSON.stringify(webhook([alert({ labels: { namespace: 'big', pod: 'api-0' }, annotations })]));
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    const response = await it_.post(body);
    expect(response.status).toBe(202);
    await it_.stack.runtime.drain();
    const [request] = it_.requests();
    const written = (request?.spec as { signalAnnotations: Record<string, string> }).signalAnnotations;
    expect(Object.keys(written)).toHaveLength(64);
    expect(written.note0).toMatch(/… \[truncated\]$/);
  });
});

