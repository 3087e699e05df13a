import type { DecisionReason, OutcomeKind, SignalAction } from '../domain/lifecycle.js';
import type { OwnerNote } from '../domain/owner-target.js';
import type { Signal } from '../domain/signal.js';
import { addMetric } from './metrics.js';
import { logger } from './logger.js';

/** One dedup decision about one signal, as logged and as in-process watchers see it. */
export interface DecisionEvent {
  readonly tenant: string;
  readonly fingerprint: string;
  readonly groupKey: string;
  readonly alertname: string;
  readonly outcome: OutcomeKind;
  readonly action: SignalAction;
  readonly reason: DecisionReason;
  /** The RemediationRequest the signal counts on (its own or its storm's), when it has one. */
  readonly request?: string;
  /** FINGERPRINT_STRATEGY=owner: the pod behind the owner's signal, and whether the API or the pod's name named the owner (and why). */
  readonly owner?: OwnerNote;
}

type DecisionListener = (decision: DecisionEvent) => void;
const listeners = new Set<DecisionListener>();

/** Logs the decision (message `signal decided`) and tells in-process watchers. */
export function reportDecision(decision: DecisionEvent): void {
  logger.info('signal decided', { ...decision });
  for (const listener of listeners) {
    try {
      listener(decision);
    } catch (error) {
      // A watcher's failure must never fail the decision it watches.
      logger.warn('a decision watcher failed', { fingerprint: decision.fingerprint, error: String(error) });
    }
  }
}

/** Watches every decision made in this process (the local runtime's decision lines, `stormgate replay`). */
export function onDecision(listener: DecisionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** One decision about `signal`: its outcome, what is done and why, and the request it points to. */
export type SignalDecisionReport = (signal: Signal, decision: { readonly outcome: OutcomeKind; readonly action: SignalAction; readonly reason: DecisionReason }, request: string | undefined) => void;

/** Reports (reportDecision) and counts the decisions of one tenant's batch or sweep. */
export function signalDecisionReporter(tenant: string): SignalDecisionReport {
  return (signal, made, request) => {
    reportDecision({
      tenant,
      fingerprint: signal.fingerprint,
      groupKey: signal.groupKey,
      alertname: signal.alertname,
      outcome: made.outcome,
      action: made.action,
      reason: made.reason,
      ...(request !== undefined && { request }),
      ...(signal.owner !== undefined && { owner: signal.owner }),
    });
    // Counted as decided: a retry of a batch reports its signals as retried, so nothing counts twice.
    if (made.action === 'count-duplicate') addMetric('DuplicatesAbsorbed', 1);
    if (made.action === 'join-storm') addMetric('StormAlertsAbsorbed', 1);
    if (made.reason === 'flapped') addMetric('SignalsFlapped', 1);
  };
}
