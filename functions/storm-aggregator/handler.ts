import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { parseEvent } from '../../lib/events/parse-event.js';
import { runtimeConfig } from '../../lib/runtime/clients.js';
import { loadRuntimeSecrets } from '../../lib/runtime/secrets.js';
import { remediationWriter, signalOwners } from '../../lib/runtime/kube.js';
import { sweepDepsOf } from '../../lib/runtime/pipeline-deps.js';
import { dueIndex, episodeStore, stormEpisodes } from '../../lib/runtime/stores.js';
import { type SweepEvent, sweepEventSchema } from '../../lib/sweep/sweep-event.js';
import { sweepDueWork } from '../../lib/sweep/sweep-due-work.js';
import { logger } from '../../lib/telemetry/logger.js';
import { flushMetrics } from '../../lib/telemetry/flush-metrics.js';
import { metrics } from '../../lib/telemetry/metrics.js';
import { tracer } from '../../lib/telemetry/tracer.js';

const config = runtimeConfig();
await loadRuntimeSecrets({ credentials: false });
// The sweep never holds: its parts' sleep is never called.
const deps = sweepDepsOf(config, {
  episodes: episodeStore(),
  dueIndex: dueIndex(),
  storms: stormEpisodes(),
  writer: remediationWriter(),
  owners: signalOwners(),
  now: () => new Date(),
  sleep: async () => undefined,
});

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
