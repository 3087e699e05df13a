/**
 * A deterministic model of how Prometheus Alertmanager turns pushed alerts into webhook notifications,
 * run over a VIRTUAL clock (milliseconds since scenario start). Pure: no I/O, no timers, no randomness.
 *
 * Modelled on prometheus/alertmanager at 68fb2d5 (v0.34.0-20, Aug 2026) and prometheus/common v0.70.1
 * (the version its go.mod pins). Each rule below names the source it comes from:
 *
 * Alerts and their episodes
 * - provider/mem/mem.go `Alerts.Put` (l.302-329): a pushed alert is merged with the stored one only when
 *   their activity ranges overlap. A re-sent firing alert keeps Prometheus' startsAt; a resolve keeps
 *   startsAt and takes the resolve time as endsAt (alert/alert.go `Alert.Merge`, l.41); a re-fire after
 *   the resolve does not overlap, so it replaces the old alert: a new startsAt (a new episode).
 * - common model/alert.go `ResolvedAt` (l.70): resolved iff endsAt is set and not after "now".
 *
 * Aggregation groups (dispatch/dispatch.go)
 * - `getGroupLabels` (l.596): the group labels are the alert's labels named in group_by (labels the
 *   alert lacks are simply absent); `...` (config/config.go l.939, GroupByAll) takes every label, and
 *   mixing `...` with names is a config error (config.go l.954).
 * - `aggrGroup.GroupKey` (l.702): `<route key>:<group labels>`; dispatch/route.go `Route.Key` (l.197) is
 *   `Matchers.String()` (pkg/labels/matcher.go l.193), `{}` for the root route; the label set renders as
 *   common model/labelset_string.go `LabelSet.String`: names sorted, `name="value"` with Go strconv
 *   quoting, joined by ", ". Example: `{}:{alertname="X", namespace="Y"}`.
 * - `groupAlert` (l.442-573): an alert goes into its existing group; `store.Alerts.Set` refuses a
 *   destroyed group (store/store.go l.150), so the next alert with those group labels makes a new group.
 *   `newAggrGroup` (l.693) arms the first flush at group_wait after creation, or at once when the alert's
 *   startsAt is already more than group_wait in the past (l.552).
 * - `aggrGroup.run` (l.791-858): on each timer tick the timer is reset to group_interval (l.824) BEFORE
 *   flushing, so ticks fall at created + group_wait + k * group_interval, whatever the flush does.
 * - `aggrGroup.flush` (l.911-962): every alert of the group is passed on; one resolved at flush time is
 *   kept, a firing one gets EndsAt = zero time (l.928); the slice is sorted (alert/alert.go
 *   `AlertSlice.Less` l.93: label `job`, then `instance`, an alert having the label sorting first, then
 *   common model/labelset.go `LabelSet.Before`: fewer labels first, then the first differing label in
 *   name order). After a successful pipeline run (which includes "dedup decided not to send": MultiStage
 *   in notify/notify.go l.250 stops with a nil error on an empty alert list) the resolved alerts are
 *   deleted (`DeleteIfNotModified`, store.go l.179) and a group left empty is destroyed.
 *
 * Whether to send (notify/dedup_stage.go, notify/notify.go)
 * - `DedupStage.needsUpdate` (dedup_stage.go l.52-96), against the notification log entry of the group
 *   key: no entry -> send iff something fires ("first notification"); a firing alert not in the last
 *   notified firing set -> send ("first notification" if that set was empty, else "new alerts added");
 *   nothing firing -> send iff the last notification had firing alerts ("all alerts resolved", done even
 *   with send_resolved false so the log is cleared); send_resolved and a resolved alert not in the last
 *   notified resolved set -> "some alerts resolved"; else the last entry's timestamp is strictly before
 *   now - repeat_interval -> "repeat interval elapsed". Sets compare `hashAlert` (notify.go l.341), a hash
 *   of the label set only: identity is the label set, not the episode. Firing alerts that merely
 *   disappear (resolved with send_resolved false) never trigger a send.
 * - notify/retry_stage.go `RetryStage.exec` (l.88-109): with send_resolved false, resolved alerts are
 *   dropped from the request, and when nothing fires nothing is sent yet the run counts as successful.
 * - notify/set_notifies_stage.go (l.43-80) + nflog/nflog.go `Log` (l.464): after a send the log entry
 *   records firing and resolved hashes with timestamp "now" and expiry min(--data.retention = 120h,
 *   2 * repeat_interval); `GC` (l.513) drops expired entries every --data.maintenance-interval (15m).
 * - notify.go `NotifyReason.String` (l.309): the `notification_reason` strings.
 *
 * The webhook body (notify/webhook/webhook.go, template/template.go, notify/util.go)
 * - webhook.go `Message` (l.61): template.Data fields plus version "4", groupKey, truncatedAlerts.
 * - webhook.go `truncateAlerts` (l.70) / `Notify` (l.79): the first max_alerts of the sorted alerts are
 *   kept, the rest counted in truncatedAlerts; template data (status, commonLabels, commonAnnotations) is
 *   then computed from the truncated list only.
 * - template.go `Data` (l.562): receiver is `regexp.QuoteMeta(receiver)`; status "firing" iff any alert
 *   fires; per alert status, labels, annotations (always an object), startsAt, endsAt (alert/alert.go
 *   `Alerts` l.153 zeroes it while firing -> JSON "0001-01-01T00:00:00Z"), generatorURL, fingerprint;
 *   commonLabels/commonAnnotations are the pairs every sent alert shares; routeLabels is `{}` for a route
 *   without labels; notification_reason is always present in this version.
 * - Fingerprint: common model/signature.go `labelSetToFingerprint` (FNV-1a 64 over sorted name, 0xff,
 *   value, 0xff; model/fnv.go), printed as `%016x` (model/fingerprinting.go l.40).
 *
 * Modelling choices: the webhook always answers 2xx (RetryStage's backoff never runs) and delivery takes no
 * time; an event and a flush at the same virtual instant apply the event first; Alertmanager (and its nflog
 * GC clock) starts at t = 0; generatorURL is "" (SimAlert carries none). Evaluation re-sends
 * (`evaluationIntervalMs`) do not change the output: a re-sent firing alert replaces itself in its group
 * with the same startsAt and, with an instantaneous flush, never races `DeleteIfNotModified`.
 * HA: every peer evaluates the same groups and, as peers racing the gossiped notification log do, all
 * deliver (the real ClusterWaitStage delays peer i by i * --cluster.peer-timeout and then usually dedups).
 */

import type { AlertFixture } from './builders/webhook.js';

export interface SimAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SimEvent {
  at: number;
  kind: 'fire' | 'resolve';
  alert: SimAlert;
}

export interface SimConfig {
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  maxAlerts: number;
  receiver?: string;
  externalURL?: string;
  startTimeIso?: string;
  evaluationIntervalMs?: number;
}

/** One alert of the webhook body: the same shape as the test builders' alerts. */
export type WebhookV4Alert = AlertFixture;

/** The JSON body Alertmanager's webhook notifier posts, keys in the order Go encodes them. */
export interface WebhookV4 {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookV4Alert[];
  notification_reason: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  routeLabels: Record<string, string>;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

export interface SimNotification {
  at: number;
  peer: number;
  groupKey: string;
  payload: WebhookV4;
  reason: 'first' | 'changed' | 'repeat';
}

export interface SimOptions {
  /** Last virtual instant simulated, inclusive (default: last event + 2 * repeatIntervalMs). */
  horizonMs?: number;
  /** Alertmanager instances, each delivering every notification (default 1). */
  haPeers?: number;
  /** Delay of peer `peer` for the `index`-th notification of a single instance (default 0). */
  haJitterMs?: (peer: number, index: number) => number;
}

const zeroTime = '0001-01-01T00:00:00Z';
const defaultStartTimeIso = '2026-11-30T00:00:00Z';
const defaultReceiver = 'stormgate';
const defaultExternalURL = 'http://alertmanager:9093';
const nflogRetentionMs = 120 * 3_600_000;
const nflogMaintenanceMs = 15 * 60_000;

type Reason = 'none' | 'first notification' | 'new alerts added' | 'some alerts resolved' | 'all alerts resolved' | 'repeat interval elapsed';

interface StoredAlert {
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: number;
  /** Resolve time; null while firing. */
  readonly endsAt: number | null;
}

interface Group {
  readonly key: string;
  readonly labels: Record<string, string>;
  readonly seq: number;
  readonly alerts: Map<string, StoredAlert>;
  nextFlushAt: number;
}

interface NflogEntry {
  readonly at: number;
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly expiresAt: number;
}

/** Byte-wise (UTF-8, i.e. code point) order, as Go compares strings. */
function compareGo(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

function sortedNames(record: Record<string, string>): string[] {
  return Object.keys(record).sort(compareGo);
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of sortedNames(record)) out[name] = record[name] ?? '';
  return out;
}

const fnvOffset = 14695981039346656037n;
const fnvPrime = 1099511628211n;
const utf8 = new TextEncoder();
const fingerprintCache = new Map<string, string>();

/** model.LabelSet.Fingerprint: FNV-1a 64 over sorted name, 0xff, value, 0xff; 16 lowercase hex digits. */
export function alertmanagerFingerprint(labels: Record<string, string>): string {
  const names = sortedNames(labels);
  const cacheKey = JSON.stringify(names.map((name) => [name, labels[name]]));
  const cached = fingerprintCache.get(cacheKey);
  if (cached !== undefined) return cached;
  let hash = fnvOffset;
  const add = (byte: number): void => {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * fnvPrime);
  };
  for (const name of names) {
    for (const byte of utf8.encode(name)) add(byte);
    add(0xff);
    for (const byte of utf8.encode(labels[name] ?? '')) add(byte);
    add(0xff);
  }
  const hex = hash.toString(16).padStart(16, '0');
  fingerprintCache.set(cacheKey, hex);
  return hex;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.Quote (printable = letters, marks, numbers, punctuation, symbols and ASCII space). */
function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === ' ' || (code >= 0x21 && code < 0x7f) || (code >= 0x80 && printable.test(char))) out += char;
    else if (char === '\x07') out += '\\a';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\v') out += '\\v';
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += '\uFFFD'; // a lone surrogate: Go holds U+FFFD instead
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** model.LabelSet.String: `{a="1", b="2"}`. */
function labelSetString(labels: Record<string, string>): string {
  return `{${sortedNames(labels)
    .map((name) => `${name}=${goQuote(labels[name] ?? '')}`)
    .join(', ')}}`;
}

/** model.LabelSet.Before. */
function labelSetBefore(a: Record<string, string>, b: Record<string, string>): boolean {
  const aNames = Object.keys(a);
  const bNames = Object.keys(b);
  if (aNames.length !== bNames.length) return aNames.length < bNames.length;
  for (const name of [...aNames, ...bNames].sort(compareGo)) {
    const av = a[name];
    const bv = b[name];
    if (av === undefined) return true;
    if (bv === undefined) return false;
    const order = compareGo(av, bv);
    if (order !== 0) return order < 0;
  }
  return false;
}

/** alert.AlertSlice.Less as a comparator. */
function compareAlerts(a: StoredAlert, b: StoredAlert): number {
  for (const key of ['job', 'instance']) {
    const av = a.labels[key];
    const bv = b.labels[key];
    if (av === undefined && bv === undefined) continue;
    if (av === undefined) return 1;
    if (bv === undefined) return -1;
    if (av !== bv) return compareGo(av, bv);
  }
  if (labelSetBefore(a.labels, b.labels)) return -1;
  if (labelSetBefore(b.labels, a.labels)) return 1;
  return 0;
}

/** regexp.QuoteMeta. */
function quoteMeta(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Go's time.Time JSON (RFC3339Nano, UTC): fractional zeros trimmed. */
function goTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.?0+Z$/, 'Z');
}

function commonPairs(records: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = records;
  if (first === undefined) return {};
  const common: Record<string, string> = {};
  for (const name of sortedNames(first)) {
    const value = first[name] ?? '';
    if (rest.every((record) => record[name] === value)) common[name] = value;
  }
  return common;
}

function isSubset(set: ReadonlySet<string>, subset: ReadonlySet<string>): boolean {
  for (const item of subset) if (!set.has(item)) return false;
  return true;
}

function nonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a finite number >= 0, got ${value}`);
}

function validate(config: SimConfig): void {
  nonNegative('groupWaitMs', config.groupWaitMs);
  nonNegative('maxAlerts', config.maxAlerts);
  if (!Number.isInteger(config.maxAlerts)) throw new Error('maxAlerts must be an integer');
  for (const [name, value] of [
    ['groupIntervalMs', config.groupIntervalMs],
    ['repeatIntervalMs', config.repeatIntervalMs],
    ['evaluationIntervalMs', config.evaluationIntervalMs ?? 1],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be > 0, got ${value}`);
  }
  if (config.groupBy.includes('...') && config.groupBy.length > 1) {
    throw new Error('cannot have wildcard group_by (`...`) and other labels at the same time');
  }
}

function toReason(reason: Reason): SimNotification['reason'] {
  if (reason === 'first notification') return 'first';
  if (reason === 'repeat interval elapsed') return 'repeat';
  return 'changed';
}

/** Runs the scenario and returns every webhook delivery, ordered by virtual time. */
export function simulateAlertmanager(events: SimEvent[], config: SimConfig, options: SimOptions = {}): SimNotification[] {
  validate(config);
  const startEpochMs = Date.parse(config.startTimeIso ?? defaultStartTimeIso);
  if (Number.isNaN(startEpochMs)) throw new Error(`startTimeIso is not a date: ${config.startTimeIso}`);
  const receiver = quoteMeta(config.receiver ?? defaultReceiver);
  const externalURL = config.externalURL ?? defaultExternalURL;
  const groupByAll = config.groupBy.includes('...');
  const groupBy = new Set(config.groupBy);
  const peers = options.haPeers ?? 1;
  if (!Number.isInteger(peers) || peers < 1) throw new Error(`haPeers must be an integer >= 1, got ${peers}`);
  const jitter = options.haJitterMs ?? ((peer: number) => peer * 0);

  const ordered = events
    .map((event, index) => {
      if (!Number.isFinite(event.at)) throw new Error(`event ${index} has no finite time`);
      if ((event.alert.labels.alertname ?? '') === '') throw new Error(`event ${index}: the alert has no alertname label`);
      return { event, index };
    })
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
    .map(({ event }) => event);
  const lastEventAt = ordered.at(-1)?.at ?? 0;
  const horizon = options.horizonMs ?? lastEventAt + 2 * config.repeatIntervalMs;
  if (!Number.isFinite(horizon)) throw new Error(`horizonMs must be finite, got ${horizon}`);

  const latest = new Map<string, StoredAlert>(); // the provider's view of every alert, by fingerprint
  const groups = new Map<string, Group>();
  const nflog = new Map<string, NflogEntry>();
  const sent: Omit<SimNotification, 'peer'>[] = [];
  let groupSeq = 0;

  const push = (alert: StoredAlert, now: number): void => {
    latest.set(alert.fingerprint, alert);
    const groupLabels: Record<string, string> = {};
    for (const name of sortedNames(alert.labels)) {
      if (groupByAll || groupBy.has(name)) groupLabels[name] = alert.labels[name] ?? '';
    }
    const key = `{}:${labelSetString(groupLabels)}`;
    let group = groups.get(key);
    if (group === undefined) {
      // An alert older than group_wait (only a re-sent resolved alert can be, here) flushes its new group at once.
      const firstFlushAt = alert.startsAt + config.groupWaitMs < now ? now : now + config.groupWaitMs;
      group = { key, labels: groupLabels, seq: groupSeq++, alerts: new Map(), nextFlushAt: firstFlushAt };
      groups.set(key, group);
    }
    group.alerts.set(alert.fingerprint, alert);
  };

  const apply = (event: SimEvent): void => {
    const labels = { ...event.alert.labels };
    const fingerprint = alertmanagerFingerprint(labels);
    const previous = latest.get(fingerprint);
    const annotations = { ...(event.alert.annotations ?? previous?.annotations ?? {}) };
    if (event.kind === 'fire') {
      const continuing = previous !== undefined && previous.endsAt === null;
      push({ fingerprint, labels, annotations, startsAt: continuing ? previous.startsAt : event.at, endsAt: null }, event.at);
    } else if (previous === undefined) {
      // Prometheus never resolves an alert it did not send; Alertmanager would store it as a resolved alert.
      push({ fingerprint, labels, annotations, startsAt: event.at, endsAt: event.at }, event.at);
    } else {
      // Resolving a firing alert ends its episode now; a repeated resolve is Prometheus re-sending it unchanged.
      push({ fingerprint, labels, annotations, startsAt: previous.startsAt, endsAt: previous.endsAt ?? event.at }, event.at);
    }
  };

  // The entry as DedupStage's Query sees it: gone once a GC tick (every 15m from t = 0) reached its expiry.
  const lookupNflog = (key: string, now: number): NflogEntry | undefined => {
    const entry = nflog.get(key);
    if (entry === undefined) return undefined;
    const collectedAt = Math.max(1, Math.ceil(entry.expiresAt / nflogMaintenanceMs)) * nflogMaintenanceMs;
    return collectedAt <= now ? undefined : entry;
  };

  const needsUpdate = (entry: NflogEntry | undefined, firing: Set<string>, resolved: Set<string>, now: number): Reason => {
    if (entry === undefined) return firing.size > 0 ? 'first notification' : 'none';
    if (!isSubset(entry.firing, firing)) return entry.firing.size === 0 ? 'first notification' : 'new alerts added';
    if (firing.size === 0) return entry.firing.size > 0 ? 'all alerts resolved' : 'none';
    if (config.sendResolved && !isSubset(entry.resolved, resolved)) return 'some alerts resolved';
    return entry.at < now - config.repeatIntervalMs ? 'repeat interval elapsed' : 'none';
  };

  const payloadFor = (group: Group, alerts: StoredAlert[], reason: Reason): WebhookV4 => {
    const truncated = config.maxAlerts > 0 && alerts.length > config.maxAlerts ? alerts.slice(0, config.maxAlerts) : alerts;
    return {
      receiver,
      status: truncated.some((alert) => alert.endsAt === null) ? 'firing' : 'resolved',
      alerts: truncated.map((alert) => ({
        status: alert.endsAt === null ? 'firing' : 'resolved',
        labels: sortedRecord(alert.labels),
        annotations: sortedRecord(alert.annotations),
        startsAt: goTime(startEpochMs + alert.startsAt),
        endsAt: alert.endsAt === null ? zeroTime : goTime(startEpochMs + alert.endsAt),
        generatorURL: '',
        fingerprint: alert.fingerprint,
      })),
      notification_reason: reason,
      groupLabels: sortedRecord(group.labels),
      commonLabels: commonPairs(truncated.map((alert) => alert.labels)),
      commonAnnotations: commonPairs(truncated.map((alert) => alert.annotations)),
      routeLabels: {},
      externalURL,
      version: '4',
      groupKey: group.key,
      truncatedAlerts: alerts.length - truncated.length,
    };
  };

  const flush = (group: Group, now: number): void => {
    group.nextFlushAt = now + config.groupIntervalMs;
    const alerts = [...group.alerts.values()].sort(compareAlerts);
    const isResolved = (alert: StoredAlert): boolean => alert.endsAt !== null && alert.endsAt <= now;
    const firing = new Set(alerts.filter((alert) => !isResolved(alert)).map((alert) => alert.fingerprint));
    const resolved = alerts.filter(isResolved);
    const reason = needsUpdate(lookupNflog(group.key, now), firing, new Set(resolved.map((alert) => alert.fingerprint)), now);
    if (reason !== 'none') {
      const delivered = config.sendResolved ? alerts : alerts.filter((alert) => !isResolved(alert));
      if (delivered.length > 0) {
        sent.push({ at: now, groupKey: group.key, payload: payloadFor(group, delivered, reason), reason: toReason(reason) });
      }
      nflog.set(group.key, {
        at: now,
        firing,
        resolved: new Set(resolved.map((alert) => alert.fingerprint)),
        expiresAt: now + Math.min(nflogRetentionMs, 2 * config.repeatIntervalMs),
      });
    }
    for (const alert of resolved) group.alerts.delete(alert.fingerprint);
    if (group.alerts.size === 0) groups.delete(group.key);
  };

  let next = 0;
  for (;;) {
    let due: Group | undefined;
    for (const group of groups.values()) {
      if (due === undefined || group.nextFlushAt < due.nextFlushAt || (group.nextFlushAt === due.nextFlushAt && group.seq < due.seq)) due = group;
    }
    const event = ordered[next];
    const eventAt = event?.at ?? Number.POSITIVE_INFINITY;
    const flushAt = due?.nextFlushAt ?? Number.POSITIVE_INFINITY;
    if (Math.min(eventAt, flushAt) > horizon || (event === undefined && due === undefined)) break;
    if (event !== undefined && eventAt <= flushAt) {
      apply(event);
      next++;
    } else if (due !== undefined) {
      flush(due, flushAt);
    }
  }

  const deliveries: SimNotification[] = [];
  sent.forEach((notification, index) => {
    for (let peer = 0; peer < peers; peer++) {
      const payload = peer === 0 ? notification.payload : structuredClone(notification.payload);
      deliveries.push({ ...notification, payload, peer, at: notification.at + jitter(peer, index) });
    }
  });
  const order = new Map(deliveries.map((delivery, position) => [delivery, position]));
  return deliveries.sort((a, b) => a.at - b.at || (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/** Just the webhook bodies, in delivery order. */
export function notificationBodies(notifications: SimNotification[]): unknown[] {
  return notifications.map((notification) => notification.payload);
}
