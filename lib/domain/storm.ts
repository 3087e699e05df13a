import { createHash } from 'node:crypto';
import type { Signal, TargetResource } from './signal.js';
import { crdLimits, fitField } from './crd-fields.js';
import { clusterScopedKinds } from './target-resource.js';

/**
 * Storms: many resources alerting with the same alertname in one scope (a namespace, or the whole
 * cluster) at once. Their signals share the first 6 bytes of their fingerprints (the storm part).
 */
export const stormScopes = ['namespace', 'cluster'] as const;
export type StormScope = (typeof stormScopes)[number];

export const stormTriggers = { 1: 'rate', 2: 'resources', 3: 'truncated-payload' } as const;
export type StormTrigger = (typeof stormTriggers)[keyof typeof stormTriggers];

export function stormPartOf(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

/** The fingerprint of a storm's aggregated request: 32 hex chars, like a signal's. */
export function stormRequestFingerprint(tenant: string, stormPart: string): string {
  return createHash('sha256').update(`storm-request\0${tenant}\0${stormPart}`).digest().subarray(0, 16).toString('hex');
}

/** How a resource is listed in a window: the namespace is implied in namespace scope. */
// A resource label's parts are joined by '/'; a '/' or '%' inside a part (label values are data) is escaped.
const escapePart = (part: string): string => part.replaceAll('%', '%25').replaceAll('/', '%2F');
const unescapePart = (part: string): string => part.replaceAll('%2F', '/').replaceAll('%25', '%');

/** A resource as its storm episode counts it: `kind/name` in namespace scope, `kind/namespace/name` cluster-wide. */
export function resourceLabel(target: TargetResource, scope: StormScope): string {
  const parts = scope === 'cluster' && target.namespace !== undefined ? [target.kind, target.namespace, target.name] : [target.kind, target.name];
  return parts.map(escapePart).join('/');
}

/** The resource back from its label; in namespace scope a namespaced kind lives in the storm's namespace. */
export function resourceFromLabel(label: string, namespace: string | undefined): TargetResource {
  const [kind = '', first = '', ...rest] = label.split('/').map(unescapePart);
  // More than three parts: a label stored before '/' was escaped (its name held a '/').
  if (rest.length > 0) return { kind, namespace: first, name: rest.join('/') };
  return { kind, name: first, ...(namespace !== undefined && !clusterScopedKinds.has(kind) && { namespace }) };
}

/** Labels with the same value in every signal. */
export function sharedLabels(signals: readonly Signal[]): Record<string, string> {
  const [first, ...rest] = signals;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first.labels).filter(([name, value]) => rest.every((signal) => signal.labels[name] === value)));
}

/** A storm episode as the sweep reads it: everything its aggregated request says, in spec and status. */
export interface StormSnapshot {
  /** The window's start: identifies the storm episode. */
  readonly start: number;
  /** The start its aggregated request is named by: the window's, or an adopted request's. */
  readonly requestStart: number;
  /** The last new resource (the window's end when it closed). */
  readonly lastNewResource: number;
  readonly lastSeen: number;
  /** Firing deliveries absorbed (new members and re-sent ones). */
  readonly alertCount: number;
  /** Distinct firing alerts seen, and how many of them still fire / have resolved. */
  readonly members: number;
  readonly firing: number;
  readonly resolved: number;
  readonly trigger: StormTrigger;
  readonly alertname: string;
  readonly namespace?: string;
  readonly severity: string;
  readonly commonLabels: Record<string, string>;
  /** Listed resources ("Kind/name" or "Kind/namespace/name"), at most the cap. */
  readonly resources: string[];
  /** Distinct resources beyond the cap (counted, not listed). */
  readonly resourcesBeyondCap: number;
  /** Every member resolved (or idle for the idle TTL): the request shows Resolved. */
  readonly ended: boolean;
  /** The version of this state; the status write reports it back. */
  readonly version: number;
}

/** The due-index member of a storm episode (its window's close, its status writes, its end). */
export function stormWindowMember(tenant: string, stormPart: string): string {
  return `w|${tenant}|${stormPart}`;
}

export function parseStormWindowMember(member: string): { tenant: string; stormPart: string } | undefined {
  const match = /^w\|([a-z0-9][a-z0-9-]{0,31})\|([0-9a-f]{12})$/.exec(member);
  return match?.[1] && match[2] ? { tenant: match[1], stormPart: match[2] } : undefined;
}

/**
 * The group labels that can pin a storm key (alertname, namespace), fitted as signals' are: all that the
 * hand-off to dedup carries of them (the rest could be large, and nothing reads it).
 */
export function pinningGroupLabels(groupLabels: Readonly<Record<string, string>>): Record<string, string> {
  const limits = { alertname: crdLimits.signalName, namespace: crdLimits.targetNamespace, exported_namespace: crdLimits.targetNamespace };
  return Object.fromEntries(
    Object.entries(limits).flatMap(([name, max]) => {
      const value = groupLabels[name];
      return value === undefined ? [] : [[name, fitField(value, max)]];
    }),
  );
}

/**
 * Which storm keys Alertmanager's truncation (`truncatedAlerts`, max_alerts) speaks for: only a group whose
 * labels pin one storm key (its alertname, and its namespace in namespace scope) says that key stormed.
 * A group spanning several storm keys does not say which of them lost alerts; none is marked by it alone
 * (their resources still count towards detection).
 */
export function truncatedStormParts(
  signals: readonly Pick<Signal, 'fingerprint' | 'alertname' | 'stormNamespace'>[],
  groupLabels: Readonly<Record<string, string>>,
  truncatedAlerts: number,
  scope: StormScope,
): Map<string, number> {
  const parts = new Map<string, number>();
  if (truncatedAlerts <= 0) return parts;
  const pinnedNamespace = groupLabels.exported_namespace ?? groupLabels.namespace;
  for (const signal of signals) {
    const pinsAlertname = groupLabels.alertname !== undefined && groupLabels.alertname === signal.alertname;
    const pinsScope = scope === 'cluster' || (pinnedNamespace !== undefined && pinnedNamespace === signal.stormNamespace);
    if (pinsAlertname && pinsScope) parts.set(stormPartOf(signal.fingerprint), truncatedAlerts);
  }
  return parts;
}
