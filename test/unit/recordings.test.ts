import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseWebhook } from '../../lib/alertmanager/parse-webhook.js';
import { environmentSchema } from '../../lib/config/schema.js';
import type { WebhookV4 } from '../support/alertmanager-simulator.js';
import {
  failedNode,
  flappingPod,
  generateRecordings,
  type Recording,
  recordingText,
  rolloutDeployment,
} from '../fixtures/recordings/generate.js';

/**
 * The recordings shipped in test/fixtures/recordings (issue 16) are what their generator writes, each line a
 * notification the real webhook parser accepts, and each shows what its scenario is about.
 * After changing the generator: node --import tsx test/fixtures/recordings/generate.ts
 */

interface Line {
  offsetMs: number;
  receivedAt: string;
  body: WebhookV4;
}

const recordings = generateRecordings();
const files = recordings.map((recording) => recording.file);
const defaults = environmentSchema.parse({});

const committedText = (file: string) => readFileSync(new URL(`../fixtures/recordings/${file}`, import.meta.url), 'utf8');
const committedLines = (file: string): Line[] =>
  committedText(file)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line);
const recording = (file: string): Recording => {
  const found = recordings.find((candidate) => candidate.file === file);
  if (found === undefined) throw new Error(`no recording ${file}`);
  return found;
};
const bodies = (file: string) => committedLines(file).map((line) => line.body);
const minutes = (ms: number) => ms / 60_000;

describe('the recordings in test/fixtures/recordings', () => {
  it('are the five issue 16 asks for', () => {
    expect(files).toEqual(['node-failure-storm.jsonl', 'flapping-alert.jsonl', 'ha-pair.jsonl', 'rollout.jsonl', 'quiet-day.jsonl']);
  });

  it.each(files)('%s is exactly what the generator writes (regenerate: node --import tsx test/fixtures/recordings/generate.ts)', (file) => {
    const committed = committedText(file).split('\n');
    const generated = recordingText(recording(file)).split('\n');
    const firstDifferentLine = committed.findIndex((line, index) => line !== generated[index]);
    expect({ lines: committed.length, firstDifferentLine }).toEqual({ lines: generated.length, firstDifferentLine: -1 });
  });

  it('are generated deterministically', () => {
    expect(generateRecordings().map((again) => again.lines)).toEqual(recordings.map((first) => first.lines));
  });

  it.each(files)('%s: every line is {offsetMs, receivedAt, body}, receivedAt the recording start plus the offset, offsets non-negative and non-decreasing, every body a valid webhook', (file) => {
    const text = committedText(file);
    expect(text.endsWith('\n')).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThan(2 * 1024 * 1024);
    const lines = committedLines(file);
    expect(lines.length).toBeGreaterThan(0);
    let previous = 0;
    const startMs = Date.parse('2026-11-30T00:00:00Z');
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['offsetMs', 'receivedAt', 'body']);
      expect(line.receivedAt).toBe(new Date(startMs + line.offsetMs).toISOString());
      expect(Number.isInteger(line.offsetMs)).toBe(true);
      expect(line.offsetMs).toBeGreaterThanOrEqual(previous);
      previous = line.offsetMs;
      const parsed = parseWebhook(JSON.stringify(line.body));
      expect(parsed.alerts).toHaveLength(line.body.alerts.length);
      expect(parsed.truncatedAlerts).toBe(0);
    }
  });

  it('node failure storm: 150-300 pods of many namespaces over 1-2 hours, storms per namespace at the default threshold, re-sent', () => {
    const file = 'node-failure-storm.jsonl';
    const lines = committedLines(file);
    const podAlerts = lines.flatMap((line) => line.body.alerts).filter((alert) => alert.labels.alertname === 'KubePodNotReady');
    const pods = new Set(podAlerts.map((alert) => `${alert.labels.namespace}/${alert.labels.pod}`));
    expect(pods.size).toBeGreaterThanOrEqual(150);
    expect(pods.size).toBeLessThanOrEqual(300);
    expect(new Set(podAlerts.map((alert) => alert.labels.namespace)).size).toBeGreaterThanOrEqual(10);
    const span = minutes((lines.at(-1)?.offsetMs ?? 0) - (lines[0]?.offsetMs ?? 0));
    expect(span).toBeGreaterThanOrEqual(60);
    expect(span).toBeLessThanOrEqual(120);

    // The first notification of a namespace's KubePodNotReady group carries that namespace's pods at once:
    // more than STORM_THRESHOLD of them in most namespaces, a few in others.
    const firstOfGroup = new Map<string, WebhookV4>();
    for (const { body } of lines) if (body.groupLabels.alertname === 'KubePodNotReady' && !firstOfGroup.has(body.groupKey)) firstOfGroup.set(body.groupKey, body);
    const sizes = [...firstOfGroup.values()].map((body) => body.alerts.length);
    expect(sizes.filter((size) => size > defaults.STORM_THRESHOLD).length).toBeGreaterThanOrEqual(8);
    expect(sizes.filter((size) => size <= defaults.STORM_THRESHOLD).length).toBeGreaterThanOrEqual(3);

    const reasons = new Set(lines.map((line) => line.body.notification_reason));
    expect(reasons).toEqual(new Set(['first notification', 'new alerts added', 'some alerts resolved', 'all alerts resolved', 'repeat interval elapsed']));
    expect(lines.some((line) => line.body.alerts.some((alert) => alert.labels.alertname === 'KubeNodeNotReady' && alert.labels.node === failedNode))).toBe(true);
  });

  it('flapping alert: one label set fires and resolves again and again within about an hour', () => {
    const lines = committedLines('flapping-alert.jsonl');
    const alerts = lines.flatMap((line) => line.body.alerts);
    expect(new Set(alerts.map((alert) => alert.fingerprint)).size).toBe(1);
    expect(alerts[0]?.labels).toMatchObject({ alertname: 'CPUThrottlingHigh', ...flappingPod });
    expect(new Set(alerts.map((alert) => alert.startsAt)).size).toBeGreaterThanOrEqual(10);
    expect(lines.filter((line) => line.body.status === 'firing').length).toBeGreaterThanOrEqual(8);
    expect(lines.filter((line) => line.body.status === 'resolved').length).toBeGreaterThanOrEqual(8);
    expect(minutes((lines.at(-1)?.offsetMs ?? 0) - (lines[0]?.offsetMs ?? 0))).toBeLessThanOrEqual(65);
  });

  it('HA pair: every notification is delivered twice, by the two peers, a few seconds apart at most', () => {
    const lines = committedLines('ha-pair.jsonl');
    const copies = new Map<string, number[]>();
    for (const line of lines) {
      const key = JSON.stringify(line.body);
      copies.set(key, [...(copies.get(key) ?? []), line.offsetMs]);
    }
    expect(copies.size).toBe(lines.length / 2);
    for (const offsets of copies.values()) {
      expect(offsets).toHaveLength(2);
      const [first = 0, second = 0] = offsets;
      expect(second - first).toBeLessThan(10_000);
      expect(second - first).toBeLessThan(defaults.HA_REDELIVERY_WINDOW_SECONDS * 1_000);
    }
    // The peer that delivers first is not always the same one.
    expect(recording('ha-pair.jsonl').notifications.filter((notification, index) => index % 2 === 0 && notification.peer === 1).length).toBeGreaterThan(0);
  });

  it('rollout: the crash-looping pods of one Deployment belong to two ReplicaSets, the new one appearing mid-way', () => {
    const { namespace, deployment } = rolloutDeployment;
    const podName = new RegExp(`^${deployment}-([bcdfghjklmnpqrstvwxz2456789]{6,10})-([bcdfghjklmnpqrstvwxz2456789]{5})$`);
    const firstSeen = new Map<string, number>();
    const pods = new Set<string>();
    for (const { offsetMs, body } of committedLines('rollout.jsonl')) {
      for (const alert of body.alerts) {
        if (alert.labels.alertname !== 'KubePodCrashLooping') continue;
        expect(alert.labels.namespace).toBe(namespace);
        const hash = podName.exec(alert.labels.pod ?? '')?.[1];
        expect(hash).toBeDefined();
        pods.add(alert.labels.pod ?? '');
        if (hash !== undefined && !firstSeen.has(hash)) firstSeen.set(hash, offsetMs);
      }
    }
    expect(firstSeen.size).toBe(2);
    expect(pods.size).toBeGreaterThanOrEqual(8);
    const [oldSeen = 0, newSeen = 0] = [...firstSeen.values()];
    expect(minutes(newSeen - oldSeen)).toBeGreaterThanOrEqual(20);
  });

  it('quiet day: a handful of independent alerts over 24 hours, one per notification', () => {
    const lines = committedLines('quiet-day.jsonl');
    const alerts = new Set(bodies('quiet-day.jsonl').flatMap((body) => body.alerts.map((alert) => alert.fingerprint)));
    expect(alerts.size).toBeGreaterThanOrEqual(5);
    expect(alerts.size).toBeLessThanOrEqual(10);
    expect(lines.every((line) => line.body.alerts.length === 1)).toBe(true);
    expect(minutes((lines.at(-1)?.offsetMs ?? 0) - (lines[0]?.offsetMs ?? 0))).toBeGreaterThanOrEqual(20 * 60);
    expect(lines.at(-1)?.offsetMs).toBeLessThan(24 * 3_600_000);
    expect(lines.some((line) => line.body.notification_reason === 'repeat interval elapsed')).toBe(true);
  });
});
