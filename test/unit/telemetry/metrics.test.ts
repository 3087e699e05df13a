import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { flushMetrics } from '../../../lib/telemetry/flush-metrics.js';
import { addMetric, metrics, onMetric, stormgateMetrics } from '../../../lib/telemetry/metrics.js';
import { onDecision, reportDecision } from '../../../lib/telemetry/decisions.js';

/** A real Powertools Metrics that writes EMF (the jest environment disables the shared one), and what it wrote. */
function emittingMetrics(): { metrics: Metrics; written: () => Record<string, unknown>[] } {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const instance = new Metrics({ namespace: 'Stormgate/test', serviceName: 'stormgate' });
  process.env.POWERTOOLS_METRICS_DISABLED = previous;
  return {
    metrics: instance,
    written: () => write.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as Record<string, unknown>),
  };
}

afterEach(() => {
  jest.restoreAllMocks();
  metrics.clearMetrics();
});

describe('flushMetrics middleware', () => {
  it('writes one EMF line with what the handler added, after it returned', async () => {
    const { metrics: emf, written } = emittingMetrics();
    const handler = middy(async () => {
      emf.addMetric('AlertsReceived', MetricUnit.Count, 3);
      emf.addMetric('AlertsReceived', MetricUnit.Count, 2);
      return 'done';
    }).use(flushMetrics(emf));
    await expect(handler({}, {} as never)).resolves.toBe('done');
    const lines = written();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Stormgate/test', Dimensions: [['service']], Metrics: [{ Name: 'AlertsReceived', Unit: 'Count' }] }] },
      service: 'stormgate',
      AlertsReceived: [3, 2],
    });
  });

  it('writes what was added before the handler threw, and the error still fails the invocation', async () => {
    const { metrics: emf, written } = emittingMetrics();
    const handler = middy(async () => {
      emf.addMetric('RequestsCreated', MetricUnit.Count, 1);
      throw new Error('kube down');
    }).use(flushMetrics(emf));
    await expect(handler({}, {} as never)).rejects.toThrow('kube down');
    expect(written()).toEqual([expect.objectContaining({ RequestsCreated: 1 })]);
  });

  it('writes nothing (and warns nothing) when the invocation added no metric', async () => {
    const { metrics: emf, written } = emittingMetrics();
    const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await middy(async () => 'idle').use(flushMetrics(emf))({}, {} as never);
    expect(written()).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('addMetric', () => {
  it('stores the value with its unit and tells watchers; a count of 0 is neither stored nor told', () => {
    const seen: [string, number][] = [];
    const stop = onMetric((name, value) => seen.push([name, value]));
    addMetric('DuplicatesAbsorbed', 0);
    expect(metrics.hasStoredMetrics()).toBe(false);
    addMetric('DuplicatesAbsorbed', 4);
    addMetric('DecisionLatency', 0);
    stop();
    addMetric('RequestsCreated', 1);
    expect(seen).toEqual([
      ['DuplicatesAbsorbed', 4],
      ['DecisionLatency', 0],
    ]);
    const stored = metrics.serializeMetrics();
    expect(stored._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'DuplicatesAbsorbed', Unit: 'Count' },
        { Name: 'DecisionLatency', Unit: 'Milliseconds' },
        { Name: 'RequestsCreated', Unit: 'Count' },
      ]),
    );
  });

  it('names every metric the dashboard reads with a unit', () => {
    expect(Object.entries(stormgateMetrics).sort()).toEqual([
      ['AlertsReceived', 'Count'],
      ['DecisionLatency', 'Milliseconds'],
      ['DuplicatesAbsorbed', 'Count'],
      ['RecurrencesCounted', 'Count'],
      ['RequestsCreated', 'Count'],
      ['RequestsResolved', 'Count'],
      ['SignalsFlapped', 'Count'],
      ['StormAlertsAbsorbed', 'Count'],
      ['StormsClosed', 'Count'],
      ['StormsOpened', 'Count'],
    ]);
  });
});

describe('reportDecision', () => {
  it('tells each watcher every decision until it unsubscribes', () => {
    const decision = {
      tenant: 'default',
      fingerprint: 'a'.repeat(32),
      groupKey: '{}:{}',
      alertname: 'KubePodCrashLooping',
      outcome: 'opened',
      action: 'create-request',
      reason: 'new-episode',
      request: 'rr-x',
    } as const;
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = onDecision((event) => first.push(event));
    const stopSecond = onDecision((event) => second.push(event));
    reportDecision(decision);
    stopFirst();
    reportDecision({ ...decision, reason: 'duplicate-of-open-episode', action: 'count-duplicate', outcome: 'repeated' });
    stopSecond();
    reportDecision(decision);
    expect(first).toEqual([decision]);
    expect(second).toEqual([decision, expect.objectContaining({ reason: 'duplicate-of-open-episode' })]);
  });
});

describe('watchers', () => {
  it('a watcher that throws fails neither the metric nor the decision, and the other watchers still see them', () => {
    const seen: string[] = [];
    const stops = [
      onMetric(() => {
        throw new Error('watcher bug');
      }),
      onMetric((name) => seen.push(name)),
      onDecision(() => {
        throw new Error('watcher bug');
      }),
      onDecision((decision) => seen.push(decision.reason)),
    ];
    expect(() => addMetric('RequestsCreated', 1)).not.toThrow();
    expect(() =>
      reportDecision({ tenant: 't', fingerprint: 'f'.repeat(32), groupKey: 'g', alertname: 'A', outcome: 'opened', action: 'create-request', reason: 'new-episode' }),
    ).not.toThrow();
    for (const stop of stops) stop();
    expect(seen).toEqual(['RequestsCreated', 'new-episode']);
    expect(metrics.hasStoredMetrics()).toBe(true);
  });
});
