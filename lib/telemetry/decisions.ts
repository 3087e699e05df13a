import type { DecisionReason, OutcomeKind, SignalAction } from '../domain/lifecycle.js';
import type { OwnerNote } from '../domain/owner-target.js';
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
