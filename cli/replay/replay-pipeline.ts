import { acceptWebhook } from '../../lib/ingest/accept-webhook.js';
import { type Config, loadConfig } from '../../lib/config/index.js';
import { dedupBatchSchema } from '../../lib/dedup/dedup-batch.js';
import { processDedupBatch } from '../../lib/dedup/process-batch.js';
import { dedupDepsOf, sweepDepsOf } from '../../lib/runtime/pipeline-deps.js';
import { SignalOwners } from '../../lib/dedup/signal-owners.js';
import { PodOwnerResolver } from '../../lib/kube/pod-owner-resolver.js';
import { InvalidInputError } from '../../lib/errors.js';
import type { BatchHandoff } from '../../lib/ingest/dedup-handoff.js';
import { splitBatch } from '../../lib/ingest/split-batch.js';
import { createKubeClient } from '../../lib/kube/client.js';
import { KubeGuard } from '../../lib/kube/kube-guard.js';
import { remediationRequestResource, stormLabel } from '../../lib/kube/remediation-request.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import type { RedisClient } from '../../lib/redis/client.js';
import { storesOn } from '../../lib/runtime/stores.js';
import { sweepDueWork } from '../../lib/sweep/sweep-due-work.js';
import { onDecision } from '../../lib/telemetry/decisions.js';
import { onMetric, type StormgateMetric } from '../../lib/telemetry/metrics.js';
import type { KubeStandin } from '../../local/kube-standin/server.js';
import { type RecordedNotification, recordingStartMs } from './recording.js';
import { VirtualClock } from './virtual-clock.js';

/** What one alertname came to in a replay. */
export interface AlertnameTally {
  /** Alerts in the notifications (every re-send counts). */
  alerts: number;
  /** Counted on an open episode's request (re-sends, HA copies, another alert of the resource). */
  duplicates: number;
  /** Absorbed into a storm's aggregated request. */
  stormAlerts: number;
  /** RemediationRequests of single signals. */
  requests: number;
  /** Aggregated storm requests. */
  storms: number;
  /** Requests (of either kind) that ended Resolved. */
  resolved: number;
}

export interface ReplayOutcome {
  /** The variables given with --set / --compare (the rest are stormgate's defaults). */
  readonly setting: Readonly<Record<string, string>>;
  readonly notifications: number;
  /** Notifications ingest would answer 4xx, with the reason. */
  readonly refused: readonly { line: number; problem: string }[];
  /** From the first notification to the last (virtual time). */
  readonly spanMs: number;
  readonly byAlertname: ReadonlyMap<string, AlertnameTally>;
  /** The metrics the deployed dashboard would have shown, summed. */
  readonly metrics: Readonly<Partial<Record<StormgateMetric, number>>>;
}

export interface ReplayInfrastructure {
  readonly redis: RedisClient;
  /** `REDIS_URL` of that client's server, for the configuration. */
  readonly redisUrl: string;
  readonly standin: KubeStandin;
  readonly standinToken: string;
}

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
  /** Virtual time since the recording began. */
  readonly atMs: number;
}

/** The configuration a replay runs with: stormgate's defaults, the sweep as deployed (every minute), the overrides. */
export function replayConfig(infrastructure: Pick<ReplayInfrastructure, 'redisUrl' | 'standin' | 'standinToken'>, overrides: Readonly<Record<string, string>>): Config {
  return loadConfig({
    REDIS_URL: infrastructure.redisUrl,
    KUBE_API_URL: infrastructure.standin.url,
    KUBE_TOKEN: infrastructure.standinToken,
    AUTH_TOKENS: 'stormgate-replay-token',
    SWEEP_INTERVAL_SECONDS: '60',
    ...overrides,
  });
}

export const emptyTally = (): AlertnameTally => ({ alerts: 0, duplicates: 0, stormAlerts: 0, requests: 0, storms: 0, resolved: 0 });

/**
 * Replays a recording through the real pipeline on a virtual clock: ingest's use case (validation,
 * normalization, the hand-off's split and schema), dedup and the scheduled sweep, on the given Redis and
 * Kubernetes stand-in, both emptied first. Each notification is processed at its recorded offset,
 * concurrently with whatever else runs then (a held batch, the sweep); the sweep runs every
 * SWEEP_INTERVAL_SECONDS of virtual time, and after the last notification until the storms' windows have
 * closed. The clock never waits: an hour of alerts takes seconds.
 */
export async function replayThrough(
  notifications: readonly RecordedNotification[],
  overrides: Readonly<Record<string, string>>,
  infrastructure: ReplayInfrastructure,
  pacing: {
    /** Before each notification is processed, with its recorded offset (`--speed` waits here). */
    readonly before?: (offsetMs: number) => Promise<void>;
    readonly onProgress?: (progress: ReplayProgress) => void;
  } = {},
): Promise<ReplayOutcome> {
  const config = replayConfig(infrastructure, overrides);
  const { redis, standin } = infrastructure;
  await redis.flushall();
  standin.reset();

  const startMs = recordingStartMs(notifications) ?? Date.now();
  const clock = new VirtualClock(startMs);
  const now = () => new Date(clock.now());
  const { episodes, dueIndex, storms, owners: ownerCache } = storesOn(redis, config);
  const kube = await createKubeClient({ mode: 'token', server: standin.url, token: infrastructure.standinToken }, { region: config.aws.region });
  // Backoff between Kubernetes retries takes no real time either.
  const writer = new RemediationRequestWriter(kube, config.namespace, new KubeGuard({ sleep: async () => undefined }));
  const byOwner = config.fingerprintStrategy === 'owner';
  const owners = byOwner ? new SignalOwners({ resolver: new PodOwnerResolver(() => Promise.resolve(kube)), cache: ownerCache, now }) : undefined;
  const parts = { episodes, dueIndex, storms, writer, owners, now, sleep: (milliseconds: number) => clock.sleep(milliseconds) };
  const dedupDeps = dedupDepsOf(config, parts);
  const sweepDeps = sweepDepsOf(config, parts);
  // As deployed: ingest hands each batch to dedup as the async invoke's payload, which dedup validates.
  const handoff: BatchHandoff = {
    send: async (batch) => {
      // The parts of a large notification are separate async invocations: they run concurrently.
      await Promise.all(splitBatch(batch).map((payload) => processDedupBatch(dedupBatchSchema.parse(JSON.parse(payload)), dedupDeps)));
    },
  };
  const acceptDeps = {
    handoff,
    // The tenant budget meters real seconds; a replay compresses them, so it is not charged.
    rateBudget: { take: async () => ({ allowed: true as const }) },
    kubeHealth: { blockedForMs: async () => 0 },
    limits: config.webhookLimits,
    strategy: config.fingerprintStrategy,
    ...(byOwner && { owners: ownerCache }),
    stormScope: config.storm.scope,
    ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
  };

  const byAlertname = new Map<string, AlertnameTally>();
  const tally = (alertname: string): AlertnameTally => {
    const known = byAlertname.get(alertname);
    if (known) return known;
    const fresh = emptyTally();
    byAlertname.set(alertname, fresh);
    return fresh;
  };
  const metrics: Partial<Record<StormgateMetric, number>> = {};
  const stopWatching = [
    onDecision((decision) => {
      if (decision.action === 'count-duplicate') tally(decision.alertname).duplicates += 1;
      if (decision.action === 'join-storm') tally(decision.alertname).stormAlerts += 1;
    }),
    onMetric((name, value) => {
      // Counts only: a sum of latencies means nothing.
      if (name === 'DecisionLatency') return;
      metrics[name] = (metrics[name] ?? 0) + value;
    }),
  ];

  const refused: { line: number; problem: string }[] = [];
  let done = 0;
  const deliver = (notification: RecordedNotification) => async () => {
    await clock.sleepUntil(startMs + notification.offsetMs);
    await pacing.before?.(notification.offsetMs);
    if (Buffer.byteLength(notification.body) > config.maxBodyBytes) {
      refused.push({ line: notification.line, problem: `413: the body is larger than MAX_BODY_BYTES (${config.maxBodyBytes})` });
    } else {
      try {
        const receipt = await acceptWebhook({ body: notification.body, tenant: 'default', requestId: `replay-line-${notification.line}`, receivedAt: now() }, acceptDeps);
        for (const alert of receipt.alerts) tally(alert.alertname).alerts += 1;
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        refused.push({ line: notification.line, problem: `${error.status}: ${error.message}` });
      }
    }
    done += 1;
    pacing.onProgress?.({ done, total: notifications.length, atMs: clock.now() - startMs });
  };
  // The schedule: every SWEEP_INTERVAL_SECONDS while alerts arrive; after the last one until the storms'
  // windows have closed and their statuses settled, then until a sweep finds nothing due (a storm whose
  // members still fire stays open: bounded).
  const sweepEveryMs = config.sweepIntervalSeconds * 1000;
  const lastArrivalMs = startMs + (notifications.at(-1)?.offsetMs ?? 0);
  const settledMs = lastArrivalMs + (config.storm.maxWindowSeconds + config.storm.inactivitySeconds + config.dedup.statusWriteIntervalSeconds) * 1000 + 2 * sweepEveryMs;
  const sweeps = async () => {
    let quietRounds = 0;
    for (let at = startMs + sweepEveryMs; ; at += sweepEveryMs) {
      await clock.sleepUntil(at);
      const { claimed } = await sweepDueWork(sweepDeps);
      if (at < settledMs) continue;
      quietRounds += 1;
      if (claimed === 0 || quietRounds >= 20) return;
    }
  };
  try {
    await clock.runAll([sweeps, ...notifications.map(deliver)]);
  } finally {
    for (const stop of stopWatching) stop();
  }

  // Refusals in the order of the recording, whatever order concurrent deliveries finished in.
  refused.sort((a, b) => a.line - b.line);
  for (const request of standin.list(remediationRequestResource.plural, config.namespace)) {
    const spec = request.spec as { signalName?: string } | undefined;
    const status = request.status as { signal?: { state?: string } } | undefined;
    const entry = tally(spec?.signalName ?? '(unnamed)');
    if (request.metadata.labels?.[stormLabel] === 'true') entry.storms += 1;
    else entry.requests += 1;
    if (status?.signal?.state === 'Resolved') entry.resolved += 1;
  }
  const lastOffset = notifications.at(-1)?.offsetMs ?? 0;
  return { setting: overrides, notifications: notifications.length, refused, spanMs: lastOffset - (notifications[0]?.offsetMs ?? 0), byAlertname, metrics };
}
