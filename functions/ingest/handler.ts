import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireAuthTokens } from '../../lib/config/index.js';
import { authenticate, tenantOf } from '../../lib/http/middlewares/authenticate.js';
import { jsonBodyGuard } from '../../lib/http/middlewares/json-body-guard.js';
import { problemResponder } from '../../lib/http/middlewares/problem-responder.js';
import { jsonResponse } from '../../lib/http/problem.js';
import { acceptWebhook } from '../../lib/ingest/accept-webhook.js';
import { LambdaDedupHandoff } from '../../lib/ingest/dedup-handoff.js';
import { lambdaClient, runtimeConfig } from '../../lib/runtime/clients.js';
import { logger } from '../../lib/telemetry/logger.js';

const config = runtimeConfig();
const handoff = new LambdaDedupHandoff(lambdaClient(), config.functions.dedup);

/** POST /v1/alerts/alertmanager: Alertmanager webhook → 202 receipt once dedup has the batch. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(problemResponder())
  .use(authenticate(requireAuthTokens(config)))
  .use(jsonBodyGuard({ maxBodyBytes: config.maxBodyBytes }))
  .handler(async (event, context) => {
    const receipt = await acceptWebhook(
      {
        body: event.body ?? '',
        tenant: tenantOf(event),
        requestId: context.awsRequestId,
        receivedAt: new Date(event.requestContext.requestTimeEpoch),
      },
      { handoff, ...(config.clusterId !== undefined && { clusterId: config.clusterId }) },
    );
    return jsonResponse(202, receipt);
  });
