import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { runtimeConfig } from '../../lib/runtime/clients.js';
import { logger } from '../../lib/telemetry/logger.js';

runtimeConfig();

/**
 * Storm windows are not built yet (see the storm issue): this handler only acknowledges its invocations
 * (from dedup and the sweep schedule) so that the wiring, permissions and schedule can be deployed.
 */
export const handler = middy<unknown>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    logger.info('storm aggregation is not implemented yet; nothing to do');
    return { windowsClosed: 0 };
  });
