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
export const podOwnerKinds = ['Deployment', 'CronJob', 'StatefulSet', 'DaemonSet', 'Job', 'Pod'] as const;
export type PodOwnerKind = (typeof podOwnerKinds)[number];

export interface PodOwnerGuess {
  /** The owner's name: what owner-based fingerprints are made of (the kind may be one of several). */
  readonly name: string;
  /** The kinds the name allows, most likely first. */
  readonly kinds: readonly PodOwnerKind[];
}

const patterns: readonly { readonly pattern: RegExp; readonly kinds: readonly PodOwnerKind[] }[] = [
  // The scheduled minute has 8 digits from 1973 to 2160, and ReplicaSet hashes never look like 8+ digits of
  // 0-9 (their alphabet lacks 0, 1 and 3) unless by chance; the owner's name is the same either way.
  { pattern: new RegExp(`^(.+)-\\d{8,}-${generated}{5}$`), kinds: ['CronJob'] },
  // A pod-template hash is a uint32 in that alphabet: 1 to 10 characters, 6 or more but for 1 in 40,000.
  { pattern: new RegExp(`^(.+)-${generated}{6,10}-${generated}{5}$`), kinds: ['Deployment'] },
  { pattern: /^(.+)-(?:0|[1-9]\d{0,8})$/, kinds: ['StatefulSet'] },
  { pattern: new RegExp(`^(.+)-${generated}{5}$`), kinds: ['DaemonSet', 'Job'] },
];

/** The pod's owner as far as its name tells; a name no controller generates is the pod's own. */
export function podOwnerFromName(pod: string): PodOwnerGuess {
  for (const { pattern, kinds } of patterns) {
    const owner = pattern.exec(pod)?.[1];
    if (owner !== undefined) return { name: owner, kinds };
  }
  return { name: pod, kinds: ['Pod'] };
}
