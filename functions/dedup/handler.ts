import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type DedupBatch, dedupBatchSchema } from '../../lib/dedup/dedup-batch.js';
import { processDedupBatch } from '../../lib/dedup/process-batch.js';
import { parseEvent } from '../../lib/events/parse-event.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { DueIndex } from '../../lib/redis/due-index.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { kubeApi, redisClient, runtimeConfig } from '../../lib/runtime/clients.js';
import { logger } from '../../lib/telemetry/logger.js';

const config = runtimeConfig();
const deps = {
  episodes: new EpisodeStore(redisClient(), config.dedup),
  dueIndex: new DueIndex(redisClient()),
  statusWriteIntervalSeconds: config.dedup.statusWriteIntervalSeconds,
  writer: new RemediationRequestWriter(kubeApi(), config.namespace),
  namespace: config.namespace,
  ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
  now: () => new Date(),
};

/** Async invoke from ingest: a batch of signals → episodes in Redis → RemediationRequests. */
export const handler = middy<DedupBatch>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parseEvent(dedupBatchSchema))
  .handler(async (batch) => {
    const summary = await processDedupBatch(batch, deps);
    logger.info('batch deduplicated', { requestId: batch.requestId, ...summary });
    return summary;
  });
