import type { DecisionEvent } from '../lib/telemetry/decisions.js';
import type { StormgateMetric } from '../lib/telemetry/metrics.js';

/** One dedup decision as the local runtime prints it: alert, fingerprint (for `stormgate why`), decision, reason, request. */
export function decisionLine(decision: DecisionEvent): string {
  const request = decision.request === undefined ? 'no request' : `request ${decision.request}`;
  return `decision  ${decision.alertname}  ${decision.fingerprint}  ${decision.action} (${decision.reason})  ${request}`;
}

/**
 * The live summary: the counts the deployed dashboard graphs (lib/telemetry/metrics.ts), since this runtime
 * started. Storms open are storm requests created and not yet ended.
 */
export class LiveSummary {
  private readonly totals = new Map<StormgateMetric, number>();
  private changed = false;

  add(name: StormgateMetric, value: number): void {
    if (name === 'DecisionLatency') return;
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    this.changed = true;
  }

  /** The summary line, or undefined when nothing changed since the last one was taken. */
  take(): string | undefined {
    if (!this.changed) return undefined;
    this.changed = false;
    const total = (name: StormgateMetric) => this.totals.get(name) ?? 0;
    return [
      `summary   received ${total('AlertsReceived')}`,
      `duplicates ${total('DuplicatesAbsorbed')}`,
      `storm alerts ${total('StormAlertsAbsorbed')}`,
      // A storm adopted after Redis lost its state closes without having opened here.
      `storms open ${Math.max(0, total('StormsOpened') - total('StormsClosed'))}`,
      `requests created ${total('RequestsCreated')}`,
      `resolved ${total('RequestsResolved')}`,
    ].join(' · ');
  }
}
