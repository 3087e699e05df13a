import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseEvent } from '../../lib/events/parse-event.js';
import { RemediationRequestWriter } from '../../lib/kube/remediation-writer.js';
import { DueIndex } from '../../lib/redis/due-index.js';
import { EpisodeStore } from '../../lib/redis/episode-store.js';
import { kubeApi, redisClient, runtimeConfig } from '../../lib/runtime/clients.js';
import { type SweepEvent, sweepEventSchema } from '../../lib/sweep/sweep-event.js';
import { sweepDueWork } from '../../lib/sweep/sweep-due-work.js';
import { logger } from '../../lib/telemetry/logger.js';

const config = runtimeConfig();
const deps = {
  dueIndex: new DueIndex(redisClient()),
  episodes: new EpisodeStore(redisClient(), config.dedup),
  writer: new RemediationRequestWriter(kubeApi(), config.namespace),
  statusWriteIntervalSeconds: config.dedup.statusWriteIntervalSeconds,
  leaseSeconds: 60,
  claimLimit: 200,
  now: () => new Date(),
};

/** Scheduled sweep (EventBridge rule / local timer): does the due work, e.g. coalesced status writes. */
export const handler = middy<SweepEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parseEvent(sweepEventSchema))
  .handler(async () => {
    const summary = await sweepDueWork(deps);
    if (summary.claimed > 0) logger.info('sweep done', { ...summary });
    return summary;
  });
