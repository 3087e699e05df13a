import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import { KubeWriteError } from '../../lib/errors.js';
import { createKubeClient, type KubeClient } from '../../lib/kube/client.js';
import { buildRemediationRequest, remediationRequestResource as rr } from '../../lib/kube/remediation-request.js';
import { KubeGuard } from '../../lib/kube/kube-guard.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import type { Signal } from '../../lib/domain/signal.js';
import { KubeStandin } from '../../local/kube-standin/server.js';

const namespace = 'stormgate';
const placement = { namespace, tenant: 'default' };
const signal: Signal = {
  fingerprint: '0123456789abcdef0123456789abcdef',
  alertname: 'KubePodCrashLooping',
  status: 'firing',
  severity: 'warning',
  source: 'alertmanager',
  target: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' },
  labels: { alertname: 'KubePodCrashLooping', pod: 'web-1', namespace: 'shop' },
  annotations: { summary: 'crash looping' },
  startsAt: '2026-11-21T10:00:00Z',
  receivedAt: '2026-11-21T10:00:01Z',
  deliveryKey: 'AAAAAAAAAAA',
  groupKey: 'g',
  receiver: 'stormgate',
};

const singleAttempt = () => new KubeGuard({ retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 } });
let standin: KubeStandin;
let client: KubeClient;
let api: CustomObjectsApi;
let writer: RemediationRequestWriter;

const resource = { group: rr.group, version: rr.version, namespace, plural: rr.plural };

async function statusOf(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    // client-node drops the body of a 401 (its generated code throws ApiException with body undefined).
    if (error instanceof ApiException) return { code: error.code, body: typeof error.body === 'string' ? (JSON.parse(error.body) as Record<string, unknown>) : {} };
    throw error;
  }
  throw new Error('expected the API call to fail');
}

beforeAll(async () => {
  standin = await KubeStandin.start({ token: 'standin-token' });
  client = await createKubeClient({ mode: 'token', server: standin.url, token: 'standin-token' }, { region: 'us-east-1' });
  api = client.api;
  // One attempt per call: these tests classify single answers (retries are tested in resilience.test.ts).
  writer = new RemediationRequestWriter(client, namespace, singleAttempt(), 2_000);
});
beforeEach(() => standin.reset());
afterAll(() => standin.stop());

describe('the Kubernetes API stand-in, through @kubernetes/client-node', () => {
  it('creates with server-set metadata and answers 409 AlreadyExists on a second create', async () => {
    const request = buildRemediationRequest(signal, 1_763_720_000_000, placement);
    expect((await writer.create(request)).result).toBe('created');
    const stored = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { metadata: Record<string, unknown> };
    expect(stored.metadata).toMatchObject({ name: request.metadata.name, namespace, generation: 1 });
    expect(stored.metadata.uid).toEqual(expect.any(String));
    expect(stored.metadata.resourceVersion).toEqual(expect.any(String));
    expect(stored.metadata.creationTimestamp).toMatch(/Z$/);

    expect((await writer.create(request)).result).toBe('already-exists');
    const conflict = await statusOf(api.createNamespacedCustomObject({ ...resource, body: request }));
    expect(conflict).toMatchObject({ code: 409, body: { kind: 'Status', reason: 'AlreadyExists', code: 409 } });
  });

  it('rejects an object that breaks the CRD schema with 422 and field causes', async () => {
    const request = buildRemediationRequest(signal, 1, placement);
    const broken = { ...request, spec: { ...request.spec, severity: '', signalSource: 'pagerduty', firingTime: 'noon', signalFingerprint: undefined } };
    const invalid = await statusOf(api.createNamespacedCustomObject({ ...resource, body: broken }));
    expect(invalid.code).toBe(422);
    expect(invalid.body).toMatchObject({ reason: 'Invalid', details: { kind: 'RemediationRequest' } });
    const fields = (invalid.body.details as { causes: { field: string }[] }).causes.map((cause) => cause.field).sort();
    expect(fields).toEqual(['spec.firingTime', 'spec.severity', 'spec.signalFingerprint', 'spec.signalSource']);
    await expect(writer.create(broken as never)).rejects.toMatchObject({ name: 'KubeWriteError', statusCode: 422, retryable: false });
  });

  it('prunes unknown fields and ignores status on create (status subresource)', async () => {
    const request = buildRemediationRequest(signal, 2, placement);
    const body = { ...request, spec: { ...request.spec, surprise: true }, status: { signal: { state: 'Resolved' } } };
    const created = (await api.createNamespacedCustomObject({ ...resource, body })) as Record<string, unknown>;
    expect(created.spec).not.toHaveProperty('surprise');
    expect(created).not.toHaveProperty('status');
  });

  it('rejects unknown fields instead of pruning them with fieldValidation=Strict', async () => {
    const request = buildRemediationRequest(signal, 8, placement);
    const strict = await statusOf(api.createNamespacedCustomObject({ ...resource, body: { ...request, spec: { ...request.spec, surprise: true } }, fieldValidation: 'Strict' }));
    expect(strict).toMatchObject({ code: 400, body: { reason: 'BadRequest', message: 'strict decoding error: unknown field "spec.surprise"' } });
  });

  it('merge-patches status only through the status subresource, and keeps spec immutable', async () => {
    const request = buildRemediationRequest(signal, 3, placement);
    await writer.create(request);
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Firing' }, deduplication: { occurrenceCount: 4, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:01:00Z' } })).toBe('written');
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:02:00Z' } })).toBe('written');
    const stored = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { status: unknown };
    expect(stored.status).toEqual({
      signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:02:00Z' },
      deduplication: { occurrenceCount: 4, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:01:00Z' },
    });

    // json-patch (the client's default) on the main resource: spec changes are refused by the CEL rule.
    const immutable = await statusOf(api.patchNamespacedCustomObject({ ...resource, name: request.metadata.name, body: [{ op: 'replace', path: '/spec/severity', value: 'critical' }] }));
    expect(immutable).toMatchObject({ code: 422, body: { reason: 'Invalid', message: expect.stringContaining('spec is immutable') as unknown } });
    // ... while metadata may change.
    await api.patchNamespacedCustomObject({ ...resource, name: request.metadata.name, body: [{ op: 'add', path: '/metadata/labels/team', value: 'shop' }] });
    const relabeled = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { metadata: { labels: Record<string, string> } };
    expect(relabeled.metadata.labels.team).toBe('shop');
  });

  // The lifecycle issue, observed failures 6 and 7: a late or replayed write put a Resolved request back to Firing.
  it('never moves a status backwards: Resolved stays Resolved, counts only grow, concurrent writers all land', async () => {
    const request = buildRemediationRequest(signal, 9, placement);
    await writer.create(request);
    const dedup = (count: number, last: string) => ({ occurrenceCount: count, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: last });
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:05:00Z' }, deduplication: dedup(5, '2026-11-21T10:04:00Z') })).toBe('written');
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Firing' }, deduplication: dedup(1, '2026-11-21T10:00:00Z') })).toBe('resolved');
    // Twelve writers at once, each with its own count: every one reads, merges and retries on conflict.
    await Promise.all(Array.from({ length: 12 }, (_, index) => writer.writeStatus(request.metadata.name, { deduplication: dedup(index + 1, `2026-11-21T10:0${index % 10}:30Z`) })));
    const stored = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { status: unknown };
    expect(stored.status).toEqual({ signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:05:00Z' }, deduplication: dedup(12, '2026-11-21T10:09:30Z') });
  });

  it('answers 404 NotFound for a missing object; the writer reports it as not-found', async () => {
    expect(await writer.writeStatus('rr-missing', { signal: { state: 'Resolved' } })).toBe('not-found');
    const missing = await statusOf(api.getNamespacedCustomObject({ ...resource, name: 'rr-missing' }));
    expect(missing).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
  });

  it('lists by label selector', async () => {
    await writer.create(buildRemediationRequest(signal, 4, placement));
    await writer.create(buildRemediationRequest({ ...signal, fingerprint: 'f'.repeat(32) }, 4, placement));
    const list = (await api.listNamespacedCustomObject({ ...resource, labelSelector: `stormgate.dev/fingerprint=${signal.fingerprint}` })) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const notIn = (await api.listNamespacedCustomObject({ ...resource, labelSelector: `stormgate.dev/fingerprint notin (${signal.fingerprint})` })) as { items: unknown[] };
    expect(notIn.items).toHaveLength(1);
  });

  it('requires the bearer token', async () => {
    const anonymous = await createKubeClient({ mode: 'token', server: standin.url }, { region: 'us-east-1' });
    const denied = await statusOf(anonymous.api.listNamespacedCustomObject(resource));
    expect(denied.code).toBe(401);
    const raw = await fetch(`${standin.url}/apis/${rr.group}/${rr.version}/namespaces/${namespace}/${rr.plural}`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it.each([
    [503, true],
    [429, true],
    [500, true],
    [403, false],
  ])('classifies an injected HTTP %i as retryable=%s', async (code, retryable) => {
    standin.injectFault({ respond: code, times: 1 });
    const failure = writer.create(buildRemediationRequest(signal, 5, placement));
    await expect(failure).rejects.toBeInstanceOf(KubeWriteError);
    await expect(failure).rejects.toMatchObject({ statusCode: code, retryable });
  });

  it('classifies a dropped connection as retryable', async () => {
    standin.injectFault({ respond: 'reset', times: 1 });
    await expect(writer.create(buildRemediationRequest(signal, 6, placement))).rejects.toMatchObject({ name: 'KubeWriteError', statusCode: undefined, retryable: true });
  });

  it('times out a slow API server and calls that retryable', async () => {
    const slowWriter = new RemediationRequestWriter(client, namespace, singleAttempt(), 100);
    standin.latencyMs = 500;
    try {
      await expect(slowWriter.create(buildRemediationRequest(signal, 7, placement))).rejects.toMatchObject({ name: 'KubeWriteError', retryable: true });
    } finally {
      standin.latencyMs = 0;
    }
  });
});

/**
 * What a real API server answers, written from the Kubernetes sources that produce it:
 * k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain, IsQualifiedName,
 * IsValidLabelValue and their messages), k8s.io/apimachinery/pkg/api/validation/objectmeta.go
 * (TotalAnnotationSizeLimitB = 256 KiB, "must be specified for an update" when a custom resource's PUT
 * carries no resourceVersion), and k8s.io/apiserver/pkg/server/config.go (MaxRequestBodyBytes = 3 MiB,
 * answered 413 "Request entity too large: limit is 3145728").
 */
describe('the stand-in refuses what a real API server refuses (conformance)', () => {
  const base = () => buildRemediationRequest(signal, 42, placement);
  const causesOf = (body: Record<string, unknown>) => (body.details as { causes?: { field: string; message: string }[] } | undefined)?.causes ?? [];
  const post = (body: unknown) =>
    fetch(`${standin.url}/apis/${rr.group}/${rr.version}/namespaces/${namespace}/${rr.plural}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer standin-token', 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it.each([
    ['a name with an empty DNS label (a..b)', { name: 'a..b' }, 'metadata.name', /Invalid value: "a\.\.b": a lowercase RFC 1123 subdomain must consist of/],
    ['a name of 254 characters', { name: 'a'.repeat(254) }, 'metadata.name', /must be no more than 253 characters/],
    ['an upper-case name', { name: 'Web-1' }, 'metadata.name', /a lowercase RFC 1123 subdomain/],
    ['a label value of 64 characters', { labels: { app: 'v'.repeat(64) } }, 'metadata.labels', /must be no more than 63 characters/],
    ['a label value with a space', { labels: { app: 'two words' } }, 'metadata.labels', /a valid label must be an empty string or consist of alphanumeric characters/],
    ['a label key with a 64-character name', { labels: { ['k'.repeat(64)]: 'v' } }, 'metadata.labels', /name part must be no more than 63 characters/],
    ['a label key with an invalid prefix', { labels: { 'Example.com/app': 'v' } }, 'metadata.labels', /prefix part a lowercase RFC 1123 subdomain/],
    ['a label key with two slashes', { labels: { 'a/b/c': 'v' } }, 'metadata.labels', /a qualified name must consist of/],
    ['annotations over 256 KiB in total', { annotations: { a: 'x'.repeat(130 * 1024), b: 'y'.repeat(130 * 1024) } }, 'metadata.annotations', /Too long: may not be more than 262144 bytes/],
  ])('refuses %s with 422 naming the field', async (_, metadata, field, message) => {
    const request = base();
    const body = { ...request, metadata: { ...request.metadata, ...metadata, labels: { ...request.metadata.labels, ...((metadata as { labels?: object }).labels ?? {}) } } };
    const response = await post(body);
    expect(response.status).toBe(422);
    const status = (await response.json()) as Record<string, unknown>;
    expect(status).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(causesOf(status)).toEqual(expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]));
    expect(standin.list(rr.plural)).toEqual([]);
  });

  it('accepts what the API server accepts at those limits: 253-character names, 63-character label values and names, an empty label value, 256 KiB of annotations', async () => {
    const request = base();
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    const annotations = { a: 'x'.repeat(128 * 1024 - 1), b: 'y'.repeat(128 * 1024 - 1) };
    const body = { ...request, metadata: { ...request.metadata, name, annotations, labels: { ...request.metadata.labels, ['k'.repeat(63)]: 'v'.repeat(63), 'example.com/empty': '' } } };
    expect((await post(body)).status).toBe(201);
  });

  it('refuses a PUT that does not say which version it replaces, and takes one that does', async () => {
    const request = base();
    const created = (await (await post(request)).json()) as { metadata: { name: string; resourceVersion: string } };
    const url = `${standin.url}/apis/${rr.group}/${rr.version}/namespaces/${namespace}/${rr.plural}/${created.metadata.name}`;
    const put = (metadata: Record<string, unknown>) =>
      fetch(url, { method: 'PUT', headers: { Authorization: 'Bearer standin-token', 'Content-Type': 'application/json' }, body: JSON.stringify({ ...request, metadata: { ...request.metadata, ...metadata } }) });
    const unconditional = await put({});
    expect(unconditional.status).toBe(422);
    expect(causesOf((await unconditional.json()) as Record<string, unknown>)).toEqual([
      { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
    ]);
    expect((await put({ resourceVersion: created.metadata.resourceVersion })).status).toBe(200);
  });

  it('refuses a body over 3 MiB with 413, and takes one just under it', async () => {
    const request = base();
    const tooLarge = await post(JSON.stringify({ ...request, padding: 'x'.repeat(3 * 1024 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ kind: 'Status', code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });
    const withPadding = JSON.stringify({ ...request, padding: '' });
    const justUnder = await post(JSON.stringify({ ...request, padding: 'x'.repeat(3 * 1024 * 1024 - Buffer.byteLength(withPadding)) }));
    // The padding is pruned (not in the schema): the body was read and the object created.
    expect(justUnder.status).toBe(201);
  });
});

