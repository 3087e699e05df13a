import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import { KubeWriteError } from '../../lib/errors.js';
import { createKubeClient, type KubeClient } from '../../lib/kube/client.js';
import { buildRemediationRequest, remediationRequestResource as rr } from '../../lib/kube/remediation-request.js';
import { KubeGuard } from '../../lib/kube/kube-guard.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import type { Signal } from '../../lib/domain/signal.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { defaultCrdDirectory, KubeStandin, standinAdminToken } from '../../local/kube-standin/server.js';

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
/** A cluster admin's client: what a human or the remediation controller may do beyond stormgate's Role. */
let adminApi: CustomObjectsApi;
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
  adminApi = (await createKubeClient({ mode: 'token', server: standin.url, token: standinAdminToken }, { region: 'us-east-1' })).api;
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
    // The write that moves it to Resolved says so (it is counted once); the next one only writes.
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:02:00Z' } })).toBe('marked-resolved');
    const stored = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { status: unknown };
    expect(stored.status).toEqual({
      signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:02:00Z' },
      deduplication: { occurrenceCount: 4, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:01:00Z' },
    });

    // json-patch (the client's default) on the main resource, as an admin (stormgate's Role may not): spec changes are refused by the CEL rule.
    const immutable = await statusOf(adminApi.patchNamespacedCustomObject({ ...resource, name: request.metadata.name, body: [{ op: 'replace', path: '/spec/severity', value: 'critical' }] }));
    expect(immutable).toMatchObject({ code: 422, body: { reason: 'Invalid', message: expect.stringContaining('spec is immutable') as unknown } });
    // ... while metadata may change.
    await adminApi.patchNamespacedCustomObject({ ...resource, name: request.metadata.name, body: [{ op: 'add', path: '/metadata/labels/team', value: 'shop' }] });
    const relabeled = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { metadata: { labels: Record<string, string> } };
    expect(relabeled.metadata.labels.team).toBe('shop');
  });

  // Issue 17: the remediation controller's part of the status contract (status.phase, completedAt).
  it("takes the controller's phase from the CRD's list only, and stormgate's own writes leave it as the controller wrote it", async () => {
    const request = buildRemediationRequest(signal, 11, placement);
    await writer.create(request);
    const asController = (status: Record<string, unknown>) =>
      adminApi.patchNamespacedCustomObjectStatus({ ...resource, name: request.metadata.name, body: { status } }, client.callOptions(2_000, 'application/merge-patch+json'));
    await asController({ phase: 'Completed', completedAt: '2026-11-21T10:30:00Z' });
    const unknownPhase = await statusOf(asController({ phase: 'Done' }));
    expect(unknownPhase).toMatchObject({ code: 422, body: { reason: 'Invalid', message: expect.stringContaining('status.phase') as unknown } });
    const notATime = await statusOf(asController({ completedAt: 'yesterday' }));
    expect(notATime).toMatchObject({ code: 422, body: { message: expect.stringContaining('status.completedAt') as unknown } });
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:31:00Z' }, deduplication: { occurrenceCount: 2, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: '2026-11-21T10:20:00Z' } })).toBe('marked-resolved');
    const stored = (await api.getNamespacedCustomObject({ ...resource, name: request.metadata.name })) as { status: Record<string, unknown> };
    expect(stored.status).toMatchObject({ phase: 'Completed', completedAt: '2026-11-21T10:30:00Z', signal: { state: 'Resolved' }, deduplication: { occurrenceCount: 2 } });
  });

  // The lifecycle issue, observed failures 6 and 7: a late or replayed write put a Resolved request back to Firing.
  it('never moves a status backwards: Resolved stays Resolved, counts only grow, concurrent writers all land', async () => {
    const request = buildRemediationRequest(signal, 9, placement);
    await writer.create(request);
    const dedup = (count: number, last: string) => ({ occurrenceCount: count, firstSeenAt: '2026-11-21T10:00:00Z', lastSeenAt: last });
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:05:00Z' }, deduplication: dedup(5, '2026-11-21T10:04:00Z') })).toBe('marked-resolved');
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Resolved', resolvedAt: '2026-11-21T10:06:00Z' }, deduplication: dedup(6, '2026-11-21T10:05:00Z') })).toBe('written');
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

  it('refuses a wrong bearer token (401) and gives a request without one nothing but /version (403, as system:anonymous)', async () => {
    const wrong = await createKubeClient({ mode: 'token', server: standin.url, token: 'not-the-token' }, { region: 'us-east-1' });
    expect((await statusOf(wrong.api.listNamespacedCustomObject(resource))).code).toBe(401);
    const anonymous = await createKubeClient({ mode: 'token', server: standin.url }, { region: 'us-east-1' });
    expect((await statusOf(anonymous.api.listNamespacedCustomObject(resource))).code).toBe(403);
    const discovery = await fetch(`${standin.url}/apis`);
    expect(discovery.status).toBe(403);
    expect(await discovery.json()).toMatchObject({ reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/apis"' });
    expect((await fetch(`${standin.url}/version`)).status).toBe(200);
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

  it.each([
    ['a day the calendar does not have (Go refuses what JavaScript\'s Date.parse takes)', '2026-02-30T10:00:00Z', 422],
    ['hour 24', '2026-11-21T24:00:00Z', 422],
    ['an offset of 24 hours', '2026-11-21T10:00:00+24:00', 422],
    ['a leap day', '2028-02-29T10:00:00Z', 201],
    ['a fraction and an offset', '2026-11-21T10:00:00.123456+05:30', 201],
  ])('date-time: %s (%s) is answered %i', async (_, firingTime, status) => {
    const request = base();
    expect((await post({ ...request, spec: { ...request.spec, firingTime } })).status).toBe(status);
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
      fetch(url, { method: 'PUT', headers: { Authorization: `Bearer ${standinAdminToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ ...request, metadata: { ...request.metadata, ...metadata } }) });
    const unconditional = await put({});
    expect(unconditional.status).toBe(422);
    expect(causesOf((await unconditional.json()) as Record<string, unknown>)).toEqual([
      { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
    ]);
    expect((await put({ resourceVersion: created.metadata.resourceVersion })).status).toBe(200);
  });

  it("refuses an object over etcd's 1.5 MiB with etcd's 500 (no reason), and stores what stormgate builds from the same alert", async () => {
    // 64 annotations of 8,192 four-byte characters: within the CRD's limits (code points), 2 MiB of JSON, under the 3 MiB body limit.
    const annotations = Object.fromEntries(Array.from({ length: 64 }, (_, index) => [`a${index}`, '\u{1D7D8}'.repeat(8192)]));
    const raw = base();
    const tooLarge = await post({ ...raw, spec: { ...raw.spec, signalAnnotations: annotations } });
    expect(tooLarge.status).toBe(500);
    expect(await tooLarge.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request is too large', code: 500 });
    expect(standin.list(rr.plural)).toEqual([]);
    expect((await post(buildRemediationRequest({ ...signal, annotations }, 42, placement))).status).toBe(201);
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


interface RecordedCase {
  name: string;
  source: string;
  as: 'stormgate' | 'admin' | 'nobody' | 'wrong-token';
  given?: boolean;
  request: { method: string; path: string; contentType?: string; body?: unknown; metadata?: object; spec?: object };
  response: { code: number; body: unknown };
}
const recorded = JSON.parse(readFileSync(new URL('../fixtures/kube-api/recorded-responses.json', import.meta.url), 'utf8')) as { cases: RecordedCase[] };

describe('the stand-in answers as a real API server did (recorded responses, test/fixtures/kube-api)', () => {
  const tokens = { stormgate: 'standin-token', admin: standinAdminToken, nobody: undefined, 'wrong-token': 'not-the-token' };
  const objectWith = (metadata: object = {}, spec: object = {}) => {
    const request = buildRemediationRequest(signal, 42, placement);
    return { ...request, metadata: { ...request.metadata, name: 'rr-recorded', ...metadata }, spec: { ...request.spec, ...spec } };
  };

  it.each(recorded.cases.map((entry) => [entry.name, entry] as const))('%s', async (_, entry) => {
    let stored: unknown;
    if (entry.given) {
      stored = await adminApi.createNamespacedCustomObject({ ...resource, body: objectWith() });
    }
    const { request } = entry;
    const body = request.body === 'object' ? objectWith(request.metadata, request.spec) : request.body === 'given' ? stored : request.body;
    const token = tokens[entry.as];
    const response = await fetch(`${standin.url}${request.path}`, {
      method: request.method,
      headers: { ...(token && { Authorization: `Bearer ${token}` }), ...(request.contentType && { 'Content-Type': request.contentType }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect({ code: response.status, body: await response.json() }).toEqual(entry.response);
    // A refused write changes nothing: the given object (if any) is all there is, unchanged.
    expect(standin.list(rr.plural)).toEqual(entry.given ? [stored] : []);
  });
});

describe('RBAC from infra/k8s/rbac.yaml, for the identity stormgate has', () => {
  const review = (verb: string, extra: Record<string, string> = {}) =>
    fetch(`${standin.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST',
      headers: { Authorization: 'Bearer standin-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: rr.group, resource: rr.plural, namespace, verb, ...extra } } }),
    }).then(async (response) => ((await response.json()) as { status: { allowed: boolean } }).status.allowed);

  it('lets the writer do all it does (create, get, list, patch status) and answers SelfSubjectAccessReviews from the same rules', async () => {
    const request = buildRemediationRequest(signal, 43, placement);
    expect((await writer.create(request)).result).toBe('created');
    expect(await writer.writeStatus(request.metadata.name, { signal: { state: 'Firing' } })).toBe('written');
    expect(await api.listNamespacedCustomObject(resource)).toMatchObject({ items: [expect.objectContaining({ status: { signal: { state: 'Firing' } } })] });
    expect(await review('create')).toBe(true);
    expect(await review('patch', { subresource: 'status' })).toBe(true);
    expect(await review('patch')).toBe(false);
    expect(await review('delete')).toBe(false);
    expect(await review('create', { namespace: 'shop' })).toBe(false);
  });

  it('forbids what the Role does not grant; the writer reports it as a terminal KubeWriteError 403', async () => {
    const narrow = await KubeStandin.start({ token: 'standin-token', deniedVerbs: ['create'] });
    try {
      const narrowClient = await createKubeClient({ mode: 'token', server: narrow.url, token: 'standin-token' }, { region: 'us-east-1' });
      const narrowWriter = new RemediationRequestWriter(narrowClient, namespace, singleAttempt(), 2_000);
      await expect(narrowWriter.create(buildRemediationRequest(signal, 44, placement))).rejects.toMatchObject({ name: 'KubeWriteError', statusCode: 403, retryable: false });
      expect(narrow.list(rr.plural)).toEqual([]);
    } finally {
      await narrow.stop();
    }
  });
});

describe('rbac.yaml applied in another namespace (the local runtime with RR_NAMESPACE set)', () => {
  it('creates the namespace and binds the Role there, and only there', async () => {
    const moved = await KubeStandin.start({ token: 'standin-token', rbacNamespace: 'ops' });
    try {
      const movedClient = await createKubeClient({ mode: 'token', server: moved.url, token: 'standin-token' }, { region: 'us-east-1' });
      const opsWriter = new RemediationRequestWriter(movedClient, 'ops', singleAttempt(), 2_000);
      expect((await opsWriter.create(buildRemediationRequest(signal, 48, { namespace: 'ops', tenant: 'default' }))).result).toBe('created');
      const stormgateWriter = new RemediationRequestWriter(movedClient, namespace, singleAttempt(), 2_000);
      await expect(stormgateWriter.create(buildRemediationRequest(signal, 48, placement))).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      await moved.stop();
    }
  });
});

describe('namespaces must exist', () => {
  it('refuses a create into a namespace that does not exist, and takes it once the namespace is created', async () => {
    const request = buildRemediationRequest(signal, 45, { namespace: 'tenant-b', tenant: 'default' });
    const missing = await statusOf(adminApi.createNamespacedCustomObject({ ...resource, namespace: 'tenant-b', body: request }));
    expect(missing).toMatchObject({ code: 404, body: { reason: 'NotFound', message: 'namespaces "tenant-b" not found' } });
    standin.createNamespace('tenant-b');
    await adminApi.createNamespacedCustomObject({ ...resource, namespace: 'tenant-b', body: request });
    expect(standin.list(rr.plural, 'tenant-b')).toHaveLength(1);
  });
});

describe('the stand-in refuses a CRD it cannot enforce', () => {
  const crd = parseAllDocuments(readFileSync(join(defaultCrdDirectory, 'remediationrequest-crd.yaml'), 'utf8'))[0]?.toJS() as {
    spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, Record<string, unknown>>; 'x-kubernetes-validations': unknown[] } } } } }[] };
  };
  /** The real CRD with one change to spec's schema. */
  const startWith = (change: (spec: (typeof crd)['spec']['versions'][number]['schema']['openAPIV3Schema']['properties']['spec']) => void) => {
    const changed = structuredClone(crd);
    const version = changed.spec.versions[0];
    if (!version) throw new Error('the CRD has no version');
    change(version.schema.openAPIV3Schema.properties.spec);
    const directory = mkdtempSync(join(tmpdir(), 'sg-crd-'));
    writeFileSync(join(directory, 'crd.yaml'), stringify(changed));
    return KubeStandin.start({ crdDirectory: directory });
  };

  it.each([
    ['a CEL rule other than self == oldSelf', (spec: { 'x-kubernetes-validations': unknown[] }) => spec['x-kubernetes-validations'].push({ rule: 'self.severity != "debug"' }), /spec: CEL rule "self.severity != \\"debug\\""/],
    ['a CEL rule with a messageExpression', (spec: { 'x-kubernetes-validations': unknown[] }) => spec['x-kubernetes-validations'].push({ rule: 'self == oldSelf', messageExpression: '"no"' }), /spec: CEL rule "self == oldSelf" with messageExpression/],
    ['oneOf', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.severity = { type: 'string', oneOf: [{ pattern: 'a' }] }), /spec\.severity: oneOf/],
    ['nullable', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.clusterID = { type: 'string', nullable: true }), /spec\.clusterID: nullable/],
    ['a default', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.severity = { type: 'string', default: 'warning' }), /spec\.severity: default/],
    ['a set list (uniqueness it does not check)', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.tags = { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' }), /spec\.tags: x-kubernetes-list-type "set"/],
    ['x-kubernetes-preserve-unknown-fields: false (an API server refuses the CRD)', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.extra = { type: 'object', 'x-kubernetes-preserve-unknown-fields': false }), /spec\.extra: x-kubernetes-preserve-unknown-fields must be true or absent/],
    ['properties beside additionalProperties (an API server refuses the CRD)', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.extra = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }), /spec\.extra: properties and additionalProperties are mutually exclusive/],
    ['a format it does not check', (spec: { properties: Record<string, Record<string, unknown>> }) => (spec.properties.clusterID = { type: 'string', format: 'uuid' }), /spec\.clusterID: format uuid/],
  ])('refuses %s, naming it', async (_, change, message) => {
    await expect(startWith(change as never)).rejects.toThrow(message);
  });

  it('loads what has no validation effect (numeric formats, atomic lists, map types)', async () => {
    const standinWithExtras = await startWith((spec) => {
      spec.properties.replicas = { type: 'integer', format: 'int32' };
      spec.properties.tags = { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' };
      spec.properties.signalLabels = { ...spec.properties.signalLabels, 'x-kubernetes-map-type': 'granular' };
    });
    await standinWithExtras.stop();
  });

  it('evaluates self == oldSelf on any field: a change is refused, removing an optional one is not', async () => {
    const standinWithRule = await startWith((spec) => {
      spec.properties.clusterID = { ...spec.properties.clusterID, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'clusterID is immutable' }] };
      // The rule on spec itself would refuse any change: leave it to the field.
      spec['x-kubernetes-validations'] = [];
    });
    try {
      const url = `${standinWithRule.url}/apis/${rr.group}/${rr.version}/namespaces/${namespace}/${rr.plural}`;
      const request = buildRemediationRequest(signal, 47, { ...placement, clusterId: 'prod' });
      expect((await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) })).status).toBe(201);
      const patch = (body: unknown) =>
        fetch(`${url}/${request.metadata.name}`, { method: 'PATCH', headers: { Authorization: `Bearer ${standinAdminToken}`, 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify(body) });
      const changed = await patch({ spec: { clusterID: 'staging' } });
      expect(changed.status).toBe(422);
      expect(await changed.json()).toMatchObject({ details: { causes: [{ field: 'spec.clusterID', message: 'Invalid value: "string": clusterID is immutable' }] } });
      expect((await patch({ spec: { severity: 'critical' } })).status).toBe(200);
      expect((await patch({ spec: { clusterID: null } })).status).toBe(200);
    } finally {
      await standinWithRule.stop();
    }
  });

  it('enforces minProperties, which it claims to: 0 labels refused where 1 is the minimum, 1 taken', async () => {
    const standinWithMinimums = await startWith((spec) => {
      spec.properties.signalLabels = { ...spec.properties.signalLabels, minProperties: 1 };
    });
    try {
      const post = (labels: Record<string, string>) =>
        fetch(`${standinWithMinimums.url}/apis/${rr.group}/${rr.version}/namespaces/${namespace}/${rr.plural}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...buildRemediationRequest(signal, 46, placement), spec: { ...buildRemediationRequest(signal, 46, placement).spec, signalLabels: labels } }),
        });
      expect((await post({})).status).toBe(422);
      expect((await post({ alertname: 'x' })).status).toBe(201);
    } finally {
      await standinWithMinimums.stop();
    }
  });
});
