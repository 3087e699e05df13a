import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { authenticate, tenantOf } from '../../lib/http/middlewares/authenticate.js';
import { jsonBodyGuard } from '../../lib/http/middlewares/json-body-guard.js';
import { problemResponder } from '../../lib/http/middlewares/problem-responder.js';
import { jsonResponse } from '../../lib/http/problem.js';
import { routeRequests } from '../../lib/http/router.js';
import { acceptWebhook } from '../../lib/ingest/accept-webhook.js';
import { LambdaDedupHandoff } from '../../lib/ingest/dedup-handoff.js';
import { TenantRateBudget } from '../../lib/redis/rate-budget.js';
import { lambdaClient, redisClient, runtimeConfig } from '../../lib/runtime/clients.js';
import { functionTiming } from '../../lib/runtime/function-timing.js';
import { currentCredentials, loadRuntimeSecrets } from '../../lib/runtime/secrets.js';
import { episodeStore, kubeHealth, ownerCache, stormEpisodes } from '../../lib/runtime/stores.js';
import { readSignalDecision } from '../../lib/signals/read-signal-decision.js';
import { logger } from '../../lib/telemetry/logger.js';
import { flushMetrics } from '../../lib/telemetry/flush-metrics.js';
import { metrics } from '../../lib/telemetry/metrics.js';

const config = runtimeConfig();
await loadRuntimeSecrets({ credentials: true });
currentCredentials(); // fails the cold start, naming the variable, when no token is configured
const acceptDeps = {
  handoff: new LambdaDedupHandoff(lambdaClient, config.functions.dedup),
  rateBudget: new TenantRateBudget(redisClient(), config.rateBudget),
  kubeHealth: kubeHealth(),
  limits: config.webhookLimits,
  strategy: config.fingerprintStrategy,
  ...(config.fingerprintStrategy === 'owner' && { owners: ownerCache() }),
  stormScope: config.storm.scope,
  ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
};
const signalDeps = { episodes: episodeStore(), storms: stormEpisodes(), namespace: config.namespace };

/** The middlewares every route shares: logging context, errors as problems, authentication first. */
const authenticated = () =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics(metrics))
    .use(problemResponder())
    .use(authenticate(currentCredentials));

/** POST /v1/alerts/alertmanager: Alertmanager webhook → 202 receipt once dedup has the batch. */
const receiveWebhook = authenticated()
  .use(jsonBodyGuard({ maxBodyBytes: config.maxBodyBytes }))
  .handler(async (event, context) => {
    const receipt = await acceptWebhook(
      {
        body: event.body ?? '',
        tenant: tenantOf(event),
        requestId: context.awsRequestId,
        receivedAt: new Date(event.requestContext.requestTimeEpoch),
        answerDeadline: AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - functionTiming.ingest.answerMarginMs)),
      },
      acceptDeps,
    );
    return jsonResponse(202, receipt);
  });

/** GET /v1/signals/{fingerprint}: the latest decision about a signal and its reason. */
const readSignal = authenticated().handler(async (event) =>
  jsonResponse(200, await readSignalDecision(tenantOf(event), event.pathParameters?.fingerprint, signalDeps)),
);

export const handler = routeRequests({
  'POST /v1/alerts/alertmanager': receiveWebhook,
  'GET /v1/signals/{fingerprint}': readSignal,
});
