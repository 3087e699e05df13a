import type { Metrics } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';

/**
 * Middleware: writes what the invocation added to `metrics` as one EMF line once the handler returned or
 * threw. An invocation that added nothing writes nothing (Powertools' logMetrics logs a warning then, which
 * for a sweep every minute is only noise).
 */
export function flushMetrics(metrics: Pick<Metrics, 'hasStoredMetrics' | 'publishStoredMetrics'>): middy.MiddlewareObj {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
