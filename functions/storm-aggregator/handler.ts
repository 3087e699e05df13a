import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { parseEvent } from '../../lib/events/parse-event.js';
import { runtimeConfig } from '../../lib/runtime/clients.js';
import { loadRuntimeSecrets } from '../../lib/runtime/secrets.js';
import { functionTiming } from '../../lib/runtime/function-timing.js';
import { remediationWriter, signalOwners } from '../../lib/runtime/kube.js';
import { dueIndex, episodeStore, stormEpisodes } from '../../lib/runtime/stores.js';
import { type SweepEvent, sweepEventSchema } from '../../lib/sweep/sweep-event.js';
import { sweepDueWork } from '../../lib/sweep/sweep-due-work.js';
import { logger } from '../../lib/telemetry/logger.js';
import { flushMetrics } from '../../lib/telemetry/flush-metrics.js';
import { metrics } from '../../lib/telemetry/metrics.js';
import { tracer } from '../../lib/telemetry/tracer.js';

const config = runtimeConfig();
await loadRuntimeSecrets({ credentials: false });
const owners = signalOwners();
const deps = {
  gate: config.remediation,
  ...(owners !== undefined && { owners }),
  dueIndex: dueIndex(),
  episodes: episodeStore(),
  storms: stormEpisodes(),
  writer: remediationWriter(),
  namespace: config.namespace,
  ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
  statusWriteIntervalSeconds: config.dedup.statusWriteIntervalSeconds,
  leaseSeconds: functionTiming.sweep.leaseSeconds,
  claimLimit: functionTiming.sweep.claimLimit,
  now: () => new Date(),
};

/** Scheduled sweep (EventBridge rule / local timer): closes storm windows, ends storms, writes deferred statuses. */
export const handler = middy<SweepEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(flushMetrics(metrics))
  .use(parseEvent(sweepEventSchema))
  .handler(async () => {
    const summary = await sweepDueWork(deps);
    if (summary.claimed > 0) logger.info('sweep done', { ...summary });
    return summary;
  });
