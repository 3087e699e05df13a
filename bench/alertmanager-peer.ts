/**
 * The peer: the real `prometheus-alertmanager` binary taking single-alert POSTs on /api/v2/alerts at the
 * bench's concurrency, as Prometheus sends them. Its group_wait is an hour, so it only ingests during the
 * run (no notification is sent): the same work as stormgate's intake. CPU from /proc/<pid>/stat.
 */
import { startAlertmanager } from '../test/support/alertmanager-harness.js';
import { processCpuMs } from './child-process.js';
import { inParallel, type LoadResult, summarize, timed } from './load.js';

export async function measureAlertmanagerPeer(alerts: number, concurrency: number): Promise<{ alertmanager_alerts_per_sec: number; alertmanager_cpu_ms_per_alert: number; alertmanager_p50_ms: number; alertmanager_p99_ms: number }> {
  const alertmanager = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused', bearerToken: 'unused', groupWait: '1h', groupInterval: '1h' });
  try {
    const body = (index: number) =>
      JSON.stringify([{ labels: { alertname: 'KubePodCrashLooping', namespace: `team-${index % 500}`, pod: `api-${index}` }, annotations: { summary: 'bench' }, generatorURL: 'http://prometheus.local/graph' }]);
    const post = (index: number) =>
      timed(async () => {
        const response = await fetch(`${alertmanager.url}/api/v2/alerts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(index) });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`alertmanager answered ${response.status}`);
      });
    await inParallel(500, concurrency, (index) => post(1_000_000 + index)); // warm-up
    const cpuBefore = processCpuMs(alertmanager.pid);
    const result: LoadResult = await summarize(alerts, () => inParallel(alerts, concurrency, post));
    // What it does after answering (indexing, gossip state) belongs to its cost too.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cpuMs = processCpuMs(alertmanager.pid) - cpuBefore;
    return {
      alertmanager_alerts_per_sec: result.perSecond,
      alertmanager_cpu_ms_per_alert: Number((cpuMs / alerts).toFixed(3)),
      alertmanager_p50_ms: result.p50Ms,
      alertmanager_p99_ms: result.p99Ms,
    };
  } finally {
    await alertmanager.stop();
  }
}
