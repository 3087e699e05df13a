/**
 * Each function's time budget, in one place for the stack (Lambda timeouts), the local runtime (the
 * deadline in the context) and the handlers, so that the rules between them cannot drift apart:
 * - ingest answers Alertmanager (10 s webhook timeout; API Gateway's integration waits 9 s) within its
 *   timeout, and stops waiting for the hand-off `answerMarginMs` before it, so that a slow hand-off
 *   becomes a clean 503 rather than a function timeout;
 * - the sweep's timeout is shorter than its lease, so that a sweep running to its timeout still holds
 *   everything it claimed, and no second sweep does the same work meanwhile.
 */
export const functionTiming = {
  ingest: { timeoutSeconds: 8, answerMarginMs: 1_500 },
  dedup: { timeoutSeconds: 60 },
  sweep: { timeoutSeconds: 45, leaseSeconds: 60, claimLimit: 200 },
} as const;
