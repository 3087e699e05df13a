/**
 * The local runtime (`npm start`'s process, `local/main.ts`) under the load Alertmanager puts on it, with
 * Redis and the Kubernetes API stand-in in processes of their own: single-alert notifications at the
 * bench's concurrency and one at a time, a storm's whole lifecycle, and a burst of duplicates, counting
 * the Kubernetes writes each causes.
 */
import { alert, webhook } from '../test/support/builders/webhook.js';
import { startLocalRuntimeProcess } from '../test/support/local-runtime-process.js';
import { type BenchChild, processCpuMs } from './child-process.js';
import { inParallel, progress, summarize, timed } from './load.js';

export interface StandinCounts {
  readonly objects: number;
  readonly writes: number;
  readonly resolved: number;
}

export interface WebhookLoadOptions {
  readonly redisUrl: string;
  readonly standin: BenchChild<{ url: string; token: string }>;
  readonly alerts: number;
  readonly sequential: number;
  readonly concurrency: number;
}

const token = 'bench-token-0123456789';
const counts = (standin: WebhookLoadOptions['standin']) => standin.ask<StandinCounts>({ get: 'counts' });

/** Polls the stand-in until `done` holds (and, with `settleMs`, nothing was written for that long). */
async function until(standin: WebhookLoadOptions['standin'], done: (now: StandinCounts) => boolean, what: string, settleMs = 0, timeoutMs = 120_000, soft = false): Promise<StandinCounts> {
  const started = Date.now();
  const deadline = Date.now() + timeoutMs;
  let last = await counts(standin);
  let stableSince = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await counts(standin);
    if (now.writes !== last.writes) stableSince = Date.now();
    last = now;
    if (done(now) && Date.now() - stableSince >= settleMs) return now;
    if (Date.now() > deadline && soft) return now;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(now)}`);
    if (Date.now() - started > 10_000 && (Date.now() - started) % 10_000 < 100) progress(`  still waiting for ${what}: ${now.objects} requests, ${now.writes} writes`);
  }
}

export async function measureWebhookLoad(options: WebhookLoadOptions): Promise<Record<string, number>> {
  const { standin } = options;
  const runtime = await startLocalRuntimeProcess({
    REDIS_URL: options.redisUrl,
    KUBE_API_URL: standin.ready.url,
    KUBE_TOKEN: standin.ready.token,
    AUTH_TOKENS: token,
    // One tenant sends everything here: its budget must not be what is measured.
    TENANT_RATE_ALERTS_PER_SECOND: '1000000',
    TENANT_RATE_BURST: '1000000',
    STORM_INACTIVITY_SECONDS: '2',
    STATUS_WRITE_INTERVAL_SECONDS: '2',
    SWEEP_INTERVAL_SECONDS: '1',
    // BENCH_PROFILE_DIR: a CPU profile of the runtime process (written when it stops), for BENCHMARKS.md.
    ...(process.env.BENCH_PROFILE_DIR !== undefined && { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` }),
  });
  let sent = 0;
  const refusals: Record<number, number> = {};
  const post = async (body: string): Promise<number> => {
    const response = await fetch(`${runtime.url}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 202) refusals[response.status] = (refusals[response.status] ?? 0) + 1;
    return response.status;
  };
  // One alert per namespace: each its own episode and request (no storm).
  const single = (index: number) => JSON.stringify(webhook([alert({ labels: { namespace: `team-${index}`, pod: `api-${index}` } })]));
  try {
    progress('webhook: warming up the runtime');
    await inParallel(200, options.concurrency, (index) => post(single(sent + index)));
    sent += 200;
    await until(standin, (now) => now.objects >= sent, 'warm-up requests');

    progress(`webhook: ${options.alerts} single-alert notifications at concurrency ${options.concurrency}`);
    const from = sent;
    const cpuBefore = processCpuMs(runtime.pid);
    const started = Date.now();
    const concurrent = await summarize(options.alerts, () => inParallel(options.alerts, options.concurrency, (index) => timed(() => post(single(from + index)))));
    sent += options.alerts;
    // Lambda retries a failed async invocation after 1 and 2 more minutes: wait for those too.
    const created = await until(standin, (now) => now.objects >= sent, 'a request for every alert', 0, 300_000, true);
    const endToEndSeconds = (Date.now() - started) / 1000;
    const missing = sent - created.objects;
    const asyncRetries = runtime.logs.filter((line) => line.message === 'async invocation failed, will retry').length;
    const runtimeCpuMs = processCpuMs(runtime.pid) - cpuBefore;

    progress(`webhook: ${options.sequential} notifications one at a time`);
    const sequentialFrom = sent;
    const sequential = await summarize(options.sequential, () => inParallel(options.sequential, 1, (index) => timed(() => post(single(sequentialFrom + index)))));
    sent += options.sequential;
    // Quiet first: the sweep's deferred status writes of the requests above are not the storm's.
    await until(standin, (now) => now.objects >= sent - missing, 'a request for every sequential alert', 3_000);

    progress('webhook: a 1,000-alert storm, re-sent 5 times, then resolved');
    const stormAlerts = (status: 'firing' | 'resolved') =>
      Array.from({ length: 1_000 }, (_, index) => alert({ status, labels: { alertname: 'NodeNotReadyStorm', namespace: 'storm-bench', pod: `worker-${index}` } }));
    const firing = JSON.stringify(webhook(stormAlerts('firing'), { groupLabels: { alertname: 'NodeNotReadyStorm', namespace: 'storm-bench' } }));
    const resolved = JSON.stringify(webhook(stormAlerts('resolved'), { status: 'resolved', groupLabels: { alertname: 'NodeNotReadyStorm', namespace: 'storm-bench' } }));
    const beforeStorm = await counts(standin);
    for (let delivery = 0; delivery < 6; delivery += 1) {
      await post(firing);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await until(standin, (now) => now.objects >= beforeStorm.objects + 1, 'the storm request', 1_000);
    await post(resolved);
    const afterStorm = await until(standin, (now) => now.resolved === beforeStorm.resolved + 1, 'the storm request to show Resolved', 3_000);

    progress('webhook: 1,000 duplicate deliveries of one alert');
    const duplicate = JSON.stringify(webhook([alert({ labels: { namespace: 'dup-bench', pod: 'hot-pod' } })]));
    await post(duplicate);
    const beforeDuplicates = await until(standin, (now) => now.objects >= afterStorm.objects + 1, 'the duplicate target request', 1_000);
    await inParallel(1_000, options.concurrency, () => post(duplicate));
    // Coalesced status writes come from the sweep, one interval later.
    const afterDuplicates = await until(standin, () => true, 'the duplicates to settle', 5_000);

    return {
      webhook_alerts_per_sec: concurrent.perSecond,
      webhook_p50_ms: concurrent.p50Ms,
      webhook_p99_ms: concurrent.p99Ms,
      end_to_end_alerts_per_sec: Math.round(options.alerts / endToEndSeconds),
      end_to_end_requests_missing: missing,
      end_to_end_async_retries: asyncRetries,
      runtime_cpu_ms_per_alert: Number((runtimeCpuMs / options.alerts).toFixed(2)),
      webhook_sequential_p50_ms: sequential.p50Ms,
      webhook_sequential_p99_ms: sequential.p99Ms,
      webhook_refusals: Object.values(refusals).reduce((sum, value) => sum + value, 0),
      k8s_writes_per_storm_lifecycle: afterStorm.writes - beforeStorm.writes,
      k8s_writes_per_1000_duplicates: afterDuplicates.writes - beforeDuplicates.writes,
    };
  } finally {
    await runtime.stop();
  }
}
