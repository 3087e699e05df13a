/**
 * The workload that controls a pod, read from the name Kubernetes generated for it: the fallback of owner
 * resolution when the API cannot be asked (issue 17). Pure. Generated parts use the API machinery's
 * alphabet for random strings and hashes, which has no vowels, so that words in a workload's own name are
 * rarely taken for them:
 * - Deployment: `<deployment>-<pod-template-hash>-<5>` (the ReplicaSet is `<deployment>-<hash>`);
 * - CronJob: `<cronjob>-<scheduled minute since the epoch>-<5>` (the Job is `<cronjob>-<minute>`);
 * - StatefulSet: `<statefulset>-<ordinal>`;
 * - DaemonSet or Job: `<name>-<5>` (the name alone cannot tell which);
 * anything else is a bare pod, its own owner.
 */

const generated = '[bcdfghjklmnpqrstvwxz2456789]';
// A pod-template hash is a uint32 in that alphabet: 1 to 10 characters, 6 or more but for 1 in 40,000.
const templateHash = `${generated}{6,10}`;
// The scheduled minute has 8 digits from 1973 to 2160.
const scheduledMinute = '\\d{8,}';
const podSuffix = `${generated}{5}`;
export const podOwnerKinds = ['Deployment', 'CronJob', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'] as const;
export type PodOwnerKind = (typeof podOwnerKinds)[number];

export interface PodOwnerGuess {
  /** The owner's name: what owner-based fingerprints are made of (the kind may be one of several). */
  readonly name: string;
  /** The kinds the name allows, most likely first. */
  readonly kinds: readonly PodOwnerKind[];
}

const patterns: readonly { readonly pattern: RegExp; readonly kinds: readonly PodOwnerKind[] }[] = [
  // ReplicaSet hashes never look like 8+ digits of 0-9 (their alphabet lacks 0, 1 and 3) unless by chance;
  // the owner's name is the same either way.
  { pattern: new RegExp(`^(.+)-${scheduledMinute}-${podSuffix}$`), kinds: ['CronJob'] },
  { pattern: new RegExp(`^(.+)-${templateHash}-${podSuffix}$`), kinds: ['Deployment'] },
  { pattern: /^(.+)-(?:0|[1-9]\d{0,8})$/, kinds: ['StatefulSet'] },
  { pattern: new RegExp(`^(.+)-${podSuffix}$`), kinds: ['DaemonSet', 'Job'] },
];

// The pods' parents by the same rules: a Deployment's ReplicaSet `<deployment>-<hash>`, a CronJob's Job `<cronjob>-<minute>`.
const parentPatterns: ReadonlyMap<string, { readonly pattern: RegExp; readonly kind: string }> = new Map([
  ['ReplicaSet', { pattern: new RegExp(`^(.+)-${templateHash}$`), kind: 'Deployment' }],
  ['Job', { pattern: new RegExp(`^(.+)-${scheduledMinute}$`), kind: 'CronJob' }],
]);

/** The controller a ReplicaSet or Job belongs to as far as its name tells (a Deployment, a CronJob), or undefined. */
export function controllerOwnerFromName(kind: string, name: string): { readonly kind: string; readonly name: string } | undefined {
  const parent = parentPatterns.get(kind);
  const owner = parent?.pattern.exec(name)?.[1];
  return parent === undefined || owner === undefined ? undefined : { kind: parent.kind, name: owner };
}

/** The pod's owner as far as its name tells; a name no controller generates is the pod's own. */
export function podOwnerFromName(pod: string): PodOwnerGuess {
  for (const { pattern, kinds } of patterns) {
    const owner = pattern.exec(pod)?.[1];
    if (owner !== undefined) return { name: owner, kinds };
  }
  return { name: pod, kinds: ['Pod'] };
}
