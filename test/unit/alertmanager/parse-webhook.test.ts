import { describe, expect, it } from '@jest/globals';
import { annotationValueCap, normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import { defaultWebhookLimits } from '../../../lib/alertmanager/webhook-schema.js';
import { redacted } from '../../../lib/domain/secret-scrubber.js';
import { InvalidInputError } from '../../../lib/errors.js';
import { alert, fixture, webhook } from '../../support/builders/webhook.js';

const receivedAt = '2026-11-21T10:00:01.000Z';
const normalize = (body: string, strategy: 'resource' | 'alert' = 'resource') => normalizeWebhook(parseWebhook(body), { tenant: 'default', receivedAt, strategy });

function parseError(body: string, limits = defaultWebhookLimits): InvalidInputError {
  try {
    parseWebhook(body, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected parseWebhook to reject the body');
}

describe('parsing realistic Alertmanager notifications', () => {
  it.each([
    ['a firing pod alert', 'alertmanager-firing.json', [['firing', 'Pod', 'checkout-7d9f8b6c5-x2x4q', 'payments', 'warning']]],
    ['a resolved pod alert', 'alertmanager-resolved.json', [['resolved', 'Pod', 'checkout-7d9f8b6c5-x2x4q', 'payments', 'warning']]],
    [
      'a group mixing firing and resolved',
      'alertmanager-mixed.json',
      [
        ['firing', 'Deployment', 'cart', 'shop', 'warning'],
        ['resolved', 'Deployment', 'search', 'shop', 'warning'],
        ['firing', 'Deployment', 'checkout', 'shop', 'warning'],
      ],
    ],
    [
      'a truncated notification (max_alerts)',
      'alertmanager-truncated.json',
      [0, 1, 2].map((index) => ['firing', 'Pod', `worker-${index}`, 'batch', 'warning']),
    ],
    ['a node-exporter alert about a node', 'alertmanager-node-filesystem.json', [['firing', 'Node', 'ip-10-0-3-17.eu-west-1.compute.internal', undefined, 'critical']]],
    ['unicode labels and annotations', 'alertmanager-unicode.json', [['firing', 'Deployment', 'kasse-ü', 'zahlungen', 'warning']]],
    ['a minimal body without optional fields', 'alertmanager-minimal.json', [['firing', 'Cluster', 'cluster', undefined, 'none']]],
  ])('accounts for every alert of %s', (_case, file, expected) => {
    const signals = normalize(fixture(file));
    expect(signals.map((signal) => [signal.status, signal.target.kind, signal.target.name, signal.target.namespace, signal.severity])).toEqual(expected);
    expect(new Set(signals.map((signal) => signal.fingerprint)).size).toBe(signals.length);
    signals.forEach((signal) => expect(signal.fingerprint).toMatch(/^[0-9a-f]{32}$/));
  });

  it('keeps the envelope facts a storm needs and the newer optional fields', () => {
    const payload = parseWebhook(fixture('alertmanager-truncated.json'));
    expect(payload).toMatchObject({ truncatedAlerts: 297, notification_reason: 'new_alerts', routeLabels: { team: 'batch' } });
  });

  it('fills optional fields with their defaults', () => {
    const payload = parseWebhook(fixture('alertmanager-minimal.json'));
    expect(payload).toMatchObject({ truncatedAlerts: 0, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '' });
    expect(payload.alerts[0]?.annotations).toEqual({});
  });

  it('keeps unicode intact', () => {
    const [signal] = normalize(fixture('alertmanager-unicode.json'));
    expect(signal?.labels.team).toBe('支付团队');
    expect(signal?.annotations.summary).toBe('Zahlungsdienst antwortet langsam 🐢');
  });

  it('never echoes a secret-shaped label name in a refusal', () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const body = JSON.stringify(webhook([alert({ labels: { [token]: 'x'.repeat(defaultWebhookLimits.maxLabelValueLength + 1) } })]));
    let refusal: unknown;
    try {
      parseWebhook(body);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect((refusal as InvalidInputError).message).toMatch(/^alerts\[0\]\.labels\.\[REDACTED\]: label values are limited/);
    expect(JSON.stringify(refusal)).not.toContain(token);
  });

  it('makes every string well-formed: a lone UTF-16 surrogate (legal JSON) becomes U+FFFD, pairs stay', () => {
    // Lone surrogates written into the JSON text as escapes, as any sender may.
    const body = JSON.stringify(webhook([alert({ labels: { team: 'PAYLONE', pod: 'web-1' }, annotations: { summary: 'slow 🐢' } })]))
      .replace('"PAYLONE"', '"pay\\ud800"')
      .replace('"team"', '"te\\udc00am"')
      .replace('"groupKey":"', '"groupKey":"\\udbff');
    const payload = parseWebhook(body);
    const labels = payload.alerts[0]?.labels ?? {};
    expect(labels['te\ufffdam']).toBe('pay\ufffd');
    expect(payload.groupKey.startsWith('\ufffd')).toBe(true);
    expect(payload.alerts[0]?.annotations.summary).toBe('slow 🐢');
    const strings = JSON.stringify(payload).match(/\\ud[89a-f][0-9a-f]{2}/g);
    expect(strings).toBeNull();
  });

  it('keeps times and correlation fields, and drops the zero endsAt of a firing alert', () => {
    const [firing] = normalize(fixture('alertmanager-firing.json'));
    expect(firing).toMatchObject({
      alertname: 'KubePodCrashLooping',
      source: 'alertmanager',
      startsAt: '2026-11-21T10:00:00.123456789Z',
      receivedAt,
      alertmanagerFingerprint: '5a1e2b3c4d5e6f70',
      groupKey: '{}:{alertname="KubePodCrashLooping"}',
      receiver: 'stormgate',
    });
    expect(firing?.endsAt).toBeUndefined();
    const [resolved] = normalize(fixture('alertmanager-resolved.json'));
    expect(resolved?.endsAt).toBe('2026-11-21T10:14:42.123Z');
  });
});

describe('fingerprint strategies', () => {
  const churn = webhook([alert({ labels: { instance: '10.0.0.1:8080' } }), { ...alert({ labels: { instance: '10.0.0.2:8080' } }), fingerprint: '9999999999999999' }]);

  it('resource: the same problem on the same object is one signal whatever other labels churn', () => {
    const [first, second] = normalize(JSON.stringify(churn), 'resource');
    expect(first?.fingerprint).toBe(second?.fingerprint);
  });

  it("alert: follows Alertmanager's label-set fingerprint", () => {
    const [first, second] = normalize(JSON.stringify(churn), 'alert');
    expect(first?.fingerprint).not.toBe(second?.fingerprint);
  });

  it('alert: falls back to hashing the label set when the sender omits the fingerprint', () => {
    const { fingerprint: _dropped, ...bare } = alert();
    const [first, second] = normalize(JSON.stringify(webhook([bare as never, bare as never])), 'alert');
    expect(first?.fingerprint).toBe(second?.fingerprint);
  });

  it('both keep the storm key (alertname + namespace) in the first 12 hex chars', () => {
    for (const strategy of ['resource', 'alert'] as const) {
      const [a, b, c] = normalize(
        JSON.stringify(webhook([alert({ labels: { pod: 'a' } }), alert({ labels: { pod: 'b' } }), alert({ labels: { pod: 'a', namespace: 'other' } })])),
        strategy,
      );
      expect(a?.fingerprint.slice(0, 12)).toBe(b?.fingerprint.slice(0, 12));
      expect(a?.fingerprint.slice(0, 12)).not.toBe(c?.fingerprint.slice(0, 12));
    }
  });
});

describe('tenants', () => {
  it('never share a fingerprint for the same alert', () => {
    const payload = parseWebhook(fixture('alertmanager-firing.json'));
    const [a] = normalizeWebhook(payload, { tenant: 'team-a', receivedAt, strategy: 'resource' });
    const [b] = normalizeWebhook(payload, { tenant: 'team-b', receivedAt, strategy: 'resource' });
    expect(a?.fingerprint).not.toBe(b?.fingerprint);
  });
});

describe('delivery keys', () => {
  it('are equal for an HA peer copy of the same notification', () => {
    const [first] = normalize(fixture('alertmanager-firing.json'));
    const [copy] = normalize(fixture('alertmanager-firing.json'));
    expect(first?.deliveryKey).toBe(copy?.deliveryKey);
  });

  it('differ when the alert resolves, restarts, or comes through another receiver or group', () => {
    const base = webhook([alert()]);
    const keys = [
      base,
      webhook([alert({ status: 'resolved' })]),
      webhook([alert({ startsAt: '2026-11-21T12:00:00Z' })]),
      { ...base, receiver: 'other' },
      { ...base, groupKey: '{}:{alertname="Other"}' },
    ].map((body) => normalize(JSON.stringify(body))[0]?.deliveryKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('what reaches etcd and logs', () => {
  it('scrubs secret-looking values from labels and annotations', () => {
    const [signal] = normalize(
      JSON.stringify(
        webhook([
          alert({
            labels: { db_password: 'hunter2', url: 'postgres://app:s3cret@db:5432/shop' },
            annotations: {
              description: 'login failed with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ24',
              api_token: 'tok_123456',
              runbook_url: 'https://runbooks.example/KubePodCrashLooping',
            },
          }),
        ]),
      ),
    );
    expect(signal?.labels.db_password).toBe(redacted);
    expect(signal?.labels.url).toBe(`postgres://app:${redacted}@db:5432/shop`);
    expect(signal?.annotations.description).not.toContain('eyJ');
    expect(signal?.annotations.api_token).toBe(redacted);
    expect(signal?.annotations.runbook_url).toBe('https://runbooks.example/KubePodCrashLooping');
    expect(JSON.stringify(signal)).not.toMatch(/hunter2|s3cret|tok_123456/);
  });

  it('caps long annotation values and marks them truncated', () => {
    const [signal] = normalize(JSON.stringify(webhook([alert({ annotations: { description: 'é'.repeat(10_000) } })])));
    const description = signal?.annotations.description ?? '';
    expect([...description]).toHaveLength(annotationValueCap);
    expect(description.endsWith('[truncated]')).toBe(true);
  });
});

describe('rejections name the field', () => {
  const many = (count: number, prefix: string) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, 'v']));

  // The whole message: it is what the operator reads in Alertmanager's log (README, "Errors").
  it.each([
    ['not JSON', '{"version": "4",', '(body)', 'body is not valid JSON (at character 16)'],
    ['an empty body', '', '(body)', 'body is not valid JSON'],
    ['a JSON array', '[]', '(body)', '(body): Invalid input: expected object, received array'],
    ['another version', JSON.stringify(webhook([alert()], { version: '3' })), 'version', 'version: unsupported webhook version: only "4" is accepted'],
    ['no alerts', JSON.stringify(webhook([])), 'alerts', 'alerts: a notification carries at least one alert'],
    ['too many alerts', JSON.stringify(webhook(Array.from({ length: 1001 }, () => alert()))), 'alerts', 'alerts: at most 1000 alerts per request; lower max_alerts in the receiver'],
    ['an alert with an empty alertname', JSON.stringify(webhook([alert({ labels: { alertname: '' } })])), 'alerts[0].labels.alertname', 'alerts[0].labels.alertname: alertname label is required'],
    ['an alert without alertname', JSON.stringify(webhook([{ ...alert(), labels: { pod: 'x' } }])), 'alerts[0].labels.alertname', 'alerts[0].labels.alertname: alertname label is required'],
    ['a bad per-alert status', JSON.stringify(webhook([{ ...alert(), status: 'pending' as 'firing' }])), 'alerts[0].status', 'alerts[0].status: Invalid option: expected one of "firing"|"resolved"'],
    ['a bad notification status', JSON.stringify(webhook([alert()], { status: 'pending' })), 'status', 'status: Invalid option: expected one of "firing"|"resolved"'],
    ['a non-string label value', JSON.stringify(webhook([{ ...alert(), labels: { alertname: 'A', replicas: 3 } as unknown as Record<string, string> }])), 'alerts[0].labels.replicas', 'alerts[0].labels.replicas: Invalid input: expected string, received number'],
    ['a bad startsAt', JSON.stringify(webhook([alert({ startsAt: 'yesterday' })])), 'alerts[0].startsAt', 'alerts[0].startsAt: Invalid ISO datetime'],
    ['a bad endsAt', JSON.stringify(webhook([{ ...alert(), endsAt: 'tomorrow' }])), 'alerts[0].endsAt', 'alerts[0].endsAt: Invalid ISO datetime'],
    ['too many labels', JSON.stringify(webhook([alert({ labels: many(70, 'l') })])), 'alerts[0].labels', 'alerts[0].labels: at most 64 labels per alert'],
    ['too many annotations', JSON.stringify(webhook([alert({ annotations: many(65, 'a') })])), 'alerts[0].annotations', 'alerts[0].annotations: at most 64 annotations per alert'],
    ['a label value over the limit', JSON.stringify(webhook([alert({ labels: { pod: 'p'.repeat(1025) } })])), 'alerts[0].labels.pod', 'alerts[0].labels.pod: label values are limited to 1024 characters'],
    ['an annotation over the limit', JSON.stringify(webhook([alert({ annotations: { description: 'd'.repeat(16_385) } })])), 'alerts[0].annotations.description', 'alerts[0].annotations.description: annotation values are limited to 16384 characters'],
    ['an empty label name', JSON.stringify(webhook([alert({ labels: { '': 'x' } })])), 'alerts[0].labels', 'alerts[0].labels: label names must not be empty'],
    ['a label name over 256 characters', JSON.stringify(webhook([alert({ labels: { ['n'.repeat(257)]: 'x' } })])), 'alerts[0].labels', 'alerts[0].labels: label names are limited to 256 characters'],
    ['an empty annotation name', JSON.stringify(webhook([alert({ annotations: { '': 'x' } })])), 'alerts[0].annotations', 'alerts[0].annotations: annotation names must not be empty'],
    ['a fingerprint that is not hex', JSON.stringify(webhook([{ ...alert(), fingerprint: 'xyz' }])), 'alerts[0].fingerprint', 'alerts[0].fingerprint: fingerprint must be hex'],
    ['a fingerprint with hex only at its start', JSON.stringify(webhook([{ ...alert(), fingerprint: 'abc!' }])), 'alerts[0].fingerprint', 'alerts[0].fingerprint: fingerprint must be hex'],
    ['a fingerprint with hex only at its end', JSON.stringify(webhook([{ ...alert(), fingerprint: '!abc' }])), 'alerts[0].fingerprint', 'alerts[0].fingerprint: fingerprint must be hex'],
    ['a negative truncatedAlerts', JSON.stringify(webhook([alert()], { truncatedAlerts: -1 })), 'truncatedAlerts', 'truncatedAlerts: Too small: expected number to be >=0'],
  ])('rejects %s, naming the field and the problem', (_case, body, field, message) => {
    const error = parseError(body);
    expect(error.field).toBe(field);
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
    expect(error.cause).toBeDefined();
  });

  it('accepts times with an offset, and a label name of exactly 256 characters', () => {
    const parsed = parseWebhook(JSON.stringify(webhook([alert({ startsAt: '2026-11-21T11:00:00+01:00', labels: { ['n'.repeat(256)]: 'x' } })])));
    expect(parsed.alerts[0]?.startsAt).toBe('2026-11-21T11:00:00+01:00');
  });

  it('honours configured limits', () => {
    const error = parseError(JSON.stringify(webhook([alert(), alert()])), { ...defaultWebhookLimits, maxAlerts: 1 });
    expect(error).toMatchObject({ field: 'alerts' });
  });

  it('does not echo the body in a JSON syntax error', () => {
    const error = parseError('{"secret": "hunter2" oops}');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('a label or annotation named __proto__ (zod skips it; the edge checks and keeps it)', () => {
  /** A notification whose first alert's labels (or annotations) start with a `__proto__` entry, as JSON text. */
  const withProto = (record: 'labels' | 'annotations', value: unknown, extra: Record<string, string> = {}) => {
    const text = JSON.stringify(webhook([alert(record === 'labels' ? { labels: extra } : { annotations: extra })]));
    const entry = `"__proto__":${JSON.stringify(value)}`;
    return text.includes(`"${record}":{}`) ? text.replace(`"${record}":{}`, `"${record}":{${entry}}`) : text.replace(`"${record}":{`, `"${record}":{${entry},`);
  };
  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`l${index}`, 'v']));
  const labelCount = Object.keys(alert().labels).length;

  it('keeps it as an own entry with its value, in labels and annotations, the prototype untouched', () => {
    const [parsed] = parseWebhook(withProto('labels', 'p')).alerts;
    expect(Object.getOwnPropertyDescriptor(parsed?.labels, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(parsed?.labels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parseWebhook(withProto('annotations', 'n')).alerts[0]?.annotations, '__proto__')?.value).toBe('n');
  });

  it.each([
    ['an object value', withProto('labels', { polluted: true }), 'alerts[0].labels.__proto__', 'alerts[0].labels.__proto__: expected a string'],
    ['a label value one over the limit', withProto('labels', 'v'.repeat(1025)), 'alerts[0].labels.__proto__', 'alerts[0].labels.__proto__: label values are limited to 1024 characters'],
    ['an annotation value one over the limit', withProto('annotations', 'v'.repeat(16_385)), 'alerts[0].annotations.__proto__', 'alerts[0].annotations.__proto__: annotation values are limited to 16384 characters'],
    ['the 65th label', withProto('labels', 'p', many(64 - labelCount)), 'alerts[0].labels', 'alerts[0].labels: at most 64 labels per alert'],
  ])('refuses %s by the same rules as any entry', (_case, body, field, message) => {
    const error = parseError(body);
    expect(error).toMatchObject({ field, status: 400, message });
  });

  it.each(['groupLabels', 'commonLabels', 'commonAnnotations', 'routeLabels'])('keeps it in the notification\'s %s, the only record that has one', (record) => {
    const plain = JSON.stringify(webhook([alert()], { routeLabels: { receiver: 'stormgate' } }));
    const text = plain.includes(`"${record}":{}`) ? plain.replace(`"${record}":{}`, `"${record}":{"__proto__":"kept"}`) : plain.replace(`"${record}":{`, `"${record}":{"__proto__":"kept",`);
    const parsed = parseWebhook(text) as unknown as Record<string, Record<string, string>>;
    expect(Object.getOwnPropertyDescriptor(parsed[record], '__proto__')?.value).toBe('kept');
  });

  it.each(['groupLabels', 'commonLabels', 'commonAnnotations', 'routeLabels'])('refuses a __proto__ in the notification\'s %s that is not a string, naming it', (record) => {
    const plain = JSON.stringify(webhook([alert()], { routeLabels: { receiver: 'stormgate' } }));
    const entry = '"__proto__":{"polluted":true}';
    const text = plain.includes(`"${record}":{}`) ? plain.replace(`"${record}":{}`, `"${record}":{${entry}}`) : plain.replace(`"${record}":{`, `"${record}":{${entry},`);
    expect(parseError(text)).toMatchObject({ field: `${record}.__proto__`, message: `${record}.__proto__: expected a string` });
  });

  it('accepts a value of exactly the limit, and the 64th label', () => {
    expect(parseWebhook(withProto('labels', 'v'.repeat(1024))).alerts[0]?.labels.alertname).toBe('KubePodCrashLooping');
    expect(Object.keys(parseWebhook(withProto('labels', 'p', many(63 - labelCount))).alerts[0]?.labels ?? {})).toHaveLength(64);
  });
});

describe('normalizeWebhook: what a signal carries, and what it leaves out', () => {
  const signalOf = (overrides: Parameters<typeof alert>[0], context: { strategy?: 'resource' | 'alert'; stormScope?: 'namespace' | 'cluster' } = {}) => {
    const [signal] = normalizeWebhook(parseWebhook(JSON.stringify(webhook([alert(overrides)]))), { tenant: 'default', receivedAt, strategy: context.strategy ?? 'resource', ...(context.stormScope && { stormScope: context.stormScope }) });
    if (!signal) throw new Error('no signal');
    return signal;
  };

  it("carries Alertmanager's fingerprint only when it sent one, and endsAt only when the alert ended", () => {
    const withFingerprint = normalizeWebhook(parseWebhook(JSON.stringify(webhook([{ ...alert(), fingerprint: 'c0ffee0123456789' }]))), { tenant: 'default', receivedAt, strategy: 'alert' })[0];
    expect(withFingerprint?.alertmanagerFingerprint).toBe('c0ffee0123456789');
    const { fingerprint: _sent, ...withoutFingerprint } = alert();
    const [plain] = normalizeWebhook(parseWebhook(JSON.stringify({ ...webhook([]), alerts: [withoutFingerprint] })), { tenant: 'default', receivedAt, strategy: 'alert' });
    if (!plain) throw new Error('no signal');
    expect(Object.hasOwn(plain, 'alertmanagerFingerprint')).toBe(false);
    expect(Object.hasOwn(plain, 'endsAt')).toBe(false);
  });

  it("alert strategy: Alertmanager's fingerprint decides, not the labels", () => {
    const fingerprintOf = (labels: Record<string, string>, fingerprint: string) =>
      normalizeWebhook(parseWebhook(JSON.stringify(webhook([{ ...alert({ labels }), fingerprint }]))), { tenant: 'default', receivedAt, strategy: 'alert' })[0]?.fingerprint;
    expect(fingerprintOf({ pod: 'a' }, 'aaaa')).toBe(fingerprintOf({ pod: 'b' }, 'aaaa'));
    expect(fingerprintOf({ pod: 'a' }, 'aaaa')).not.toBe(fingerprintOf({ pod: 'a' }, 'bbbb'));
  });

  it('cluster scope: no storm namespace, and one storm key across namespaces', () => {
    const shop = signalOf({ labels: { namespace: 'shop', pod: 'a' } }, { stormScope: 'cluster' });
    const payments = signalOf({ labels: { namespace: 'payments', pod: 'b' } }, { stormScope: 'cluster' });
    expect(Object.hasOwn(shop, 'stormNamespace')).toBe(false);
    expect(shop.fingerprint.slice(0, 12)).toBe(payments.fingerprint.slice(0, 12));
    expect(signalOf({ labels: { namespace: 'shop', pod: 'a' } }).stormNamespace).toBe('shop');
  });

  it('keeps an annotation of exactly the cap as it is', () => {
    const exact = 'a'.repeat(annotationValueCap);
    expect(signalOf({ annotations: { description: exact } }).annotations.description).toBe(exact);
  });
});
