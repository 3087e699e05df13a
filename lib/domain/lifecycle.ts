/**
 * The lifecycle of signal episodes and storm episodes, named once. docs/LIFECYCLE.md describes it; the
 * Lua step (lib/redis/lua/) uses the codes generated here, and the pure decisions below turn what the
 * step reported into what dedup does, with a named reason.
 *
 * Where each rule is applied (atomically, one script call per storm key and batch):
 * - episodes: `firingOnLive`, `openEpisode`, `resolvedOnEpisode` and `retried` in
 *   lib/redis/lua/episode-scripts.ts (`episodeObserve`); the record layout in lib/redis/episode-record.ts;
 * - storm detection (threshold, truncation): the "Storm detection" block of `episodeObserve`;
 * - storm membership and its end: `stormTakes`, `stormObserve`, `stormOpen` in lib/redis/lua/storm-episode.ts;
 * - window close, status writes, idle end: `stormDue`, `stormCreated`, `stormStatusWritten` in
 *   lib/redis/lua/storm-scripts.ts, driven by lib/sweep/sweep-due-work.ts;
 * - what reaches Kubernetes: lib/dedup/process-batch.ts, never moving a status backwards
 *   (lib/domain/request-status.ts).
 */

/**
 * States of a signal episode (one fingerprint, opened by its first firing alert):
 * - held: new, waiting STORM_HOLD_SECONDS to see whether a storm forms (no request yet, none promised);
 * - open: its RemediationRequest exists or is being created (`confirmed` tells which);
 * - ended: closed without a request: resolved during the hold, or a tombstone left by a resolved alert
 *   that arrived before its firing (its late firing must create nothing);
 * - resolved: closed; its request is (or, once created, will be) marked Resolved.
 */
export const episodeStates = { held: 0, open: 1, ended: 2, resolved: 3 } as const;
export type EpisodeState = keyof typeof episodeStates;

/**
 * What the atomic dedup step reports for one signal. Stored in the episode record (4 bits) so that the
 * decision receipt can say what happened last.
 */
export const episodeOutcomes = {
  /** First firing alert of a new episode: look for a lost request, then create. */
  opened: 0,
  /** The episode's request is not confirmed yet (a crash, a retry, or a concurrent invocation): complete it. */
  pending: 1,
  /** The same alert again (group_interval or repeat_interval re-send): counted. */
  repeated: 2,
  /** The same notification again within the HA window (an Alertmanager HA peer's copy): counted. */
  redelivered: 3,
  /** Another alert of the same resource (another container): joins the episode, counted. */
  joined: 4,
  /** The episode's last firing alert resolved: its request is marked Resolved. */
  closed: 5,
  /** One alert of the resource resolved while others still fire: the episode stays open. */
  'member-resolved': 6,
  /** Waiting to see whether a storm forms. */
  held: 7,
  /** A resolved alert arrived before its firing: remembered so that the late firing creates nothing. */
  tombstone: 8,
  /** An older copy (an older startsAt, a firing of an alert already resolved, a resolved seen before). */
  stale: 9,
  /** A Lambda retry of a batch already applied: nothing is counted again, pending work is completed. */
  retried: 10,
  /** The held alert resolved before the hold ended: no request. */
  'ended-in-hold': 11,
  /**
   * Written by dedup after the step (EpisodeStore.withhold), not by it: the episode's request is withheld
   * (lib/domain/remediation-gate.ts). It has fired less than MIN_FIRING_SECONDS.
   */
  deferred: 12,
  /** Withheld: its target's last remediation Completed within REMEDIATION_COOLDOWN_SECONDS; counted on that request. */
  recurrence: 13,
  /** Withheld: a request of its target waits for a manual review. */
  'review-blocked': 14,
  /** A deferred episode resolved before MIN_FIRING_SECONDS: no request. */
  flapped: 15,
} as const;
export type EpisodeOutcomeKind = keyof typeof episodeOutcomes;

/** What the step reports for a resolve that ends an episode withheld by a recurrence or a review (never stored). */
export const withheldResolvedOutcome = 'withheld-resolved';

/** What the step reports for a signal that belongs to its storm key's storm episode (no episode of its own). */
export const stormOutcomes = ['stormed', 'absorbed', 'storm-member-resolved', 'storm-resolved'] as const;
export type StormOutcomeKind = (typeof stormOutcomes)[number];

export type OutcomeKind = EpisodeOutcomeKind | StormOutcomeKind | typeof withheldResolvedOutcome;

/**
 * Phases of a storm episode (one per storm key at a time):
 * - collecting: the window is open and lists resources; no request yet;
 * - creating: the sweep claimed the window and is creating the aggregated request (resumable);
 * - open: the request exists; re-sent and new members are absorbed into its status.
 * Orthogonal to the phase, `ended` is set when every member has resolved (or the storm was idle for the
 * idle TTL): the request is then marked Resolved, and the next storm of the key gets a new request.
 */
export const stormPhases = { collecting: 'c', creating: 'k', open: 'o' } as const;
export type StormPhase = keyof typeof stormPhases;

export type SignalAction = 'create-request' | 'count-duplicate' | 'count-recurrence' | 'withhold' | 'mark-resolved' | 'hold' | 'join-storm' | 'ignore';

export type DecisionReason =
  | 'new-episode'
  | 'completing-reserved-episode'
  | 'duplicate-of-open-episode'
  | 'ha-peer-redelivery'
  | 'another-alert-of-resource'
  | 'resolved-open-episode'
  | 'alert-of-resource-resolved'
  | 'storm-suspected'
  | 'stale-delivery'
  | 'lambda-retry'
  | 'resolved-during-hold'
  | 'resolved-without-open-episode'
  | 'part-of-storm'
  | 'storm-member-repeated'
  | 'storm-member-resolved'
  | 'storm-resolved'
  | 'firing-shorter-than-minimum'
  | 'recurrence-within-cooldown'
  | 'blocked-by-manual-review'
  | 'flapped'
  | 'resolved-while-withheld';

export interface SignalDecision {
  readonly action: SignalAction;
  readonly reason: DecisionReason;
}

const decisions: Record<OutcomeKind, SignalDecision> = {
  opened: { action: 'create-request', reason: 'new-episode' },
  pending: { action: 'create-request', reason: 'completing-reserved-episode' },
  repeated: { action: 'count-duplicate', reason: 'duplicate-of-open-episode' },
  redelivered: { action: 'count-duplicate', reason: 'ha-peer-redelivery' },
  joined: { action: 'count-duplicate', reason: 'another-alert-of-resource' },
  closed: { action: 'mark-resolved', reason: 'resolved-open-episode' },
  'member-resolved': { action: 'ignore', reason: 'alert-of-resource-resolved' },
  held: { action: 'hold', reason: 'storm-suspected' },
  // Remembered; and when no record existed at all (Redis lost state), the request of exactly this episode is
  // marked Resolved if it exists.
  tombstone: { action: 'mark-resolved', reason: 'resolved-without-open-episode' },
  stale: { action: 'ignore', reason: 'stale-delivery' },
  retried: { action: 'ignore', reason: 'lambda-retry' },
  'ended-in-hold': { action: 'ignore', reason: 'resolved-during-hold' },
  stormed: { action: 'join-storm', reason: 'part-of-storm' },
  absorbed: { action: 'join-storm', reason: 'storm-member-repeated' },
  'storm-member-resolved': { action: 'join-storm', reason: 'storm-member-resolved' },
  'storm-resolved': { action: 'join-storm', reason: 'storm-resolved' },
  deferred: { action: 'withhold', reason: 'firing-shorter-than-minimum' },
  recurrence: { action: 'count-recurrence', reason: 'recurrence-within-cooldown' },
  'review-blocked': { action: 'withhold', reason: 'blocked-by-manual-review' },
  flapped: { action: 'ignore', reason: 'flapped' },
  'withheld-resolved': { action: 'ignore', reason: 'resolved-while-withheld' },
};

/** Each reason in a sentence an operator reads (`stormgate why`); docs/LIFECYCLE.md has the whole rule. */
export const reasonExplained: Record<DecisionReason, string> = {
  'new-episode': 'the first firing alert of this resource (or its first after it resolved): a request is created',
  'completing-reserved-episode': 'the episode is open but its request was not confirmed yet: the request is made sure of (an existing one counts)',
  'duplicate-of-open-episode': 'Alertmanager re-sent an alert of an open episode (group_interval or repeat_interval): counted, no new request',
  'ha-peer-redelivery': "the same delivery again within the HA window (an Alertmanager HA peer's copy): counted, no new request",
  'another-alert-of-resource': 'another alert of a resource whose episode is open (e.g. a second container): counted on the same request',
  'resolved-open-episode': 'the last firing alert of the episode resolved: its request is marked Resolved',
  'alert-of-resource-resolved': 'one alert of the resource resolved while others still fire: the episode stays open',
  'storm-suspected': 'another resource of the same alertname and namespace was new moments ago: held briefly to see whether a storm forms',
  'stale-delivery': 'a late or older copy (an older startsAt, or a firing after its resolve): ignored, it never reopens a closed episode',
  'lambda-retry': 'a retry of a batch that was already counted: nothing counted again, the work still needed is completed',
  'resolved-during-hold': 'it resolved while it was held: no request, it came and went before stormgate promised one',
  'resolved-without-open-episode': 'resolved without an open episode (resolved before its firing arrived, or state was lost): remembered as a tombstone',
  'part-of-storm': "a member of its storm: it is part of the storm's one aggregated request",
  'storm-member-repeated': 'a storm member re-sent: absorbed into the storm, only the alert count grows',
  'storm-member-resolved': 'a storm member resolved: counted on the storm; the storm goes on while others fire',
  'storm-resolved': "the storm's last firing member resolved: the aggregated request is marked Resolved",
  'firing-shorter-than-minimum': 'it has fired for less than MIN_FIRING_SECONDS: its request waits (the next notification or the sweep looks again)',
  'recurrence-within-cooldown': "its target's last remediation Completed within REMEDIATION_COOLDOWN_SECONDS: counted on that request (status.recurrences), no new request until the cooldown ends",
  'blocked-by-manual-review': 'a request of its target waits for a manual review (ManualReviewRequired): no new request until a human clears it',
  flapped: 'it resolved before it had fired MIN_FIRING_SECONDS: no request, only this decision',
  'resolved-while-withheld': 'it resolved while its request was withheld (cooldown or manual review): no request',
};

/** Pure: what dedup does with a signal, given what its atomic Redis step reported. */
export function decideSignalAction(outcome: OutcomeKind): SignalDecision {
  return decisions[outcome];
}

/** The codes above as Lua locals, so that the scripts and TypeScript never disagree on a number. */
export function luaLifecycleConstants(): string {
  const states = Object.entries(episodeStates).map(([name, code]) => `local ST_${name.toUpperCase()} = ${code}`);
  const outcomes = Object.entries(episodeOutcomes).map(([name, code]) => `local OC_${name.replaceAll('-', '_').toUpperCase()} = ${code}`);
  const outcomeNames = `local OUTCOME_NAME = {${Object.entries(episodeOutcomes).map(([name, code]) => `[${code}] = '${name}'`).join(', ')}}`;
  const phases = Object.entries(stormPhases).map(([name, code]) => `local PH_${name.toUpperCase()} = '${code}'`);
  return [...states, ...outcomes, outcomeNames, ...phases].join('\n');
}
