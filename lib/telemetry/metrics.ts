import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger.js';

/**
 * The one Powertools Metrics instance: CloudWatch embedded metric format, written to the function's log and
 * flushed by the handler's `flushMetrics` middleware; its own warnings go to the structured logger. The namespace comes from POWERTOOLS_METRICS_NAMESPACE
 * (the stack sets it per deployment); the only dimension is the service, so each metric is one series.
 */
export const metrics = new Metrics({ serviceName: 'stormgate', logger });

/** What the dashboard and alarms read (README "Metrics" says what each counts). */
export const stormgateMetrics = {
  /** Alerts accepted by ingest (a 202 promised them). */
  AlertsReceived: MetricUnit.Count,
  /** Re-sent alerts of an open episode counted on its request instead of making one. */
  DuplicatesAbsorbed: MetricUnit.Count,
  /** Alerts absorbed into a storm's one aggregated request. */
  StormAlertsAbsorbed: MetricUnit.Count,
  /** RemediationRequests created, a signal's or a storm's. */
  RequestsCreated: MetricUnit.Count,
  /** RemediationRequests marked Resolved, a signal's or a storm's. */
  RequestsResolved: MetricUnit.Count,
  /** Storm requests created (the window closed). */
  StormsOpened: MetricUnit.Count,
  /** Storms that ended (every member resolved, or idle). */
  StormsClosed: MetricUnit.Count,
  /** New episodes counted on their target's Completed request within the cooldown (status.recurrences), instead of a new request. */
  RecurrencesCounted: MetricUnit.Count,
  /** Signals that resolved before MIN_FIRING_SECONDS: no request. */
  SignalsFlapped: MetricUnit.Count,
  /** From the moment ingest received a notification to dedup's decisions about it, per batch. */
  DecisionLatency: MetricUnit.Milliseconds,
} as const;
export type StormgateMetric = keyof typeof stormgateMetrics;

type MetricListener = (name: StormgateMetric, value: number) => void;
const listeners = new Set<MetricListener>();

/** Adds a value to a metric; counts of 0 are not written (a series of zeros costs the same as none). */
export function addMetric(name: StormgateMetric, value: number): void {
  if (stormgateMetrics[name] === MetricUnit.Count && value === 0) return;
  metrics.addMetric(name, stormgateMetrics[name], value);
  for (const listener of listeners) {
    try {
      listener(name, value);
    } catch (error) {
      // A watcher's failure must never fail the work it watches.
      logger.warn('a metric watcher failed', { metric: name, error: String(error) });
    }
  }
}

/**
 * Watches every value added in this process: the local runtime's summary line and `stormgate replay`,
 * which run the functions in-process, count what the dashboard would show. Returns the unsubscribe.
 */
export function onMetric(listener: MetricListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
