import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { normalizeWebhook } from '../../../lib/alertmanager/normalize.js';
import { parseWebhook } from '../../../lib/alertmanager/parse-webhook.js';
import type { Signal } from '../../../lib/domain/signal.js';

export interface AlertOverrides {
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface AlertFixture {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Like Alertmanager's: 16 hex chars that identify the label set. */
export function labelSetFingerprint(labels: Record<string, string>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** A realistic Alertmanager v4 alert; labels are merged over a crash-looping pod's. */
export function alert(overrides: AlertOverrides = {}): AlertFixture {
  const status = overrides.status ?? 'firing';
  const labels = {
    alertname: 'KubePodCrashLooping',
    namespace: 'payments',
    pod: 'checkout-7d9f8b6c5-x2x4q',
    container: 'checkout',
    job: 'kube-state-metrics',
    severity: 'warning',
    ...overrides.labels,
  };
  return {
    status,
    labels,
    annotations: overrides.annotations ?? { summary: 'Pod is crash looping' },
    startsAt: overrides.startsAt ?? '2026-11-21T10:00:00.123456789Z',
    endsAt: overrides.endsAt ?? (status === 'resolved' ? '2026-11-21T10:05:00Z' : '0001-01-01T00:00:00Z'),
    generatorURL: 'http://prometheus.example:9090/graph',
    fingerprint: labelSetFingerprint(labels),
  };
}

/** A notification carrying the given alerts, shaped like Alertmanager's webhook body. */
export function webhook(alerts: AlertFixture[], overrides: Record<string, unknown> = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="KubePodCrashLooping"}',
    truncatedAlerts: 0,
    status: alerts.some((entry) => entry.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'stormgate',
    groupLabels: { alertname: 'KubePodCrashLooping' },
    commonLabels: { alertname: 'KubePodCrashLooping' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts,
    ...overrides,
  };
}

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

/** The Signals stormgate makes of alerts built with `alert()`, as ingest would (resource strategy). */
export function signalsOf(...overrides: AlertOverrides[]): Signal[] {
  return normalizeWebhook(parseWebhook(JSON.stringify(webhook(overrides.map((override) => alert(override))))), {
    tenant: 'default',
    receivedAt: '2026-11-21T10:00:00.000Z',
    strategy: 'resource',
  });
}
