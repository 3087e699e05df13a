import { setTimeout as sleep } from 'node:timers/promises';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { type DedupBatch, dedupBatchSchema } from '../../lib/dedup/dedup-batch.js';
import { processDedupBatch } from '../../lib/dedup/process-batch.js';
import { parseEvent } from '../../lib/events/parse-event.js';
import { runtimeConfig } from '../../lib/runtime/clients.js';
import { loadRuntimeSecrets } from '../../lib/runtime/secrets.js';
import { remediationWriter, signalOwners } from '../../lib/runtime/kube.js';
import { dedupDepsOf } from '../../lib/runtime/pipeline-deps.js';
import { dueIndex, episodeStore, stormEpisodes } from '../../lib/runtime/stores.js';
import { logger } from '../../lib/telemetry/logger.js';
import { flushMetrics } from '../../lib/telemetry/flush-metrics.js';
import { metrics } from '../../lib/telemetry/metrics.js';
import { tracer } from '../../lib/telemetry/tracer.js';

const config = runtimeConfig();
await loadRuntimeSecrets({ credentials: false });
const deps = dedupDepsOf(config, {
  episodes: episodeStore(),
  dueIndex: dueIndex(),
  storms: stormEpisodes(),
  writer: remediationWriter(),
  owners: signalOwners(),
  now: () => new Date(),
  sleep: async (milliseconds: number) => {
    await sleep(milliseconds);
  },
});

/** Async invoke from ingest: a batch of signals → episodes and storm episodes in Redis → RemediationRequests. */
export const handler = middy<DedupBatch>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(flushMetrics(metrics))
  .use(parseEvent(dedupBatchSchema))
  .handler(async (batch) => {
    const summary = await processDedupBatch(batch, deps);
    logger.info('batch deduplicated', { requestId: batch.requestId, ...summary });
    return summary;
  });
