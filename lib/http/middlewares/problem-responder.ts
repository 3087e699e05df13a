import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { InvalidInputError, NotFoundError, RateBudgetExceededError, StormgateError, UnauthorizedError } from '../../errors.js';
import { logger } from '../../telemetry/logger.js';
import { problemResponse, retryAfterSeconds } from '../problem.js';

/** Maps any error to a problem+json response: 4xx for the sender's mistakes, 503 + Retry-After for the rest. */
export function errorToResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof InvalidInputError) {
    return problemResponse({ status: error.status, title: 'Invalid request', detail: error.message, field: error.field });
  }
  if (error instanceof UnauthorizedError) {
    return problemResponse(
      { status: 401, title: 'Unauthorized', detail: error.message },
      { 'WWW-Authenticate': 'Bearer realm="stormgate", Basic realm="stormgate"' },
    );
  }
  if (error instanceof NotFoundError) {
    return problemResponse({ status: 404, title: 'Not Found', detail: error.message });
  }
  if (error instanceof RateBudgetExceededError) {
    // 503, never 429: Alertmanager drops every 4xx for good but retries a 503.
    return problemResponse(
      { status: 503, title: 'Service Unavailable', detail: 'the alert budget of this tenant is exhausted; retry later' },
      { 'Retry-After': String(error.retryAfterSeconds) },
    );
  }
  const retryable = error instanceof StormgateError && error.retryable;
  logger.error(retryable ? 'transient failure, asking the sender to retry' : 'request failed', error as Error);
  // Unclassified failures are answered like transient ones: a 5xx makes Alertmanager retry, a 4xx drops alerts.
  const waitSeconds = error instanceof StormgateError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds : retryAfterSeconds;
  return problemResponse(
    { status: 503, title: 'Service Unavailable', detail: 'the alerts were not accepted; retry later' },
    { 'Retry-After': String(waitSeconds) },
  );
}

export function problemResponder(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    name: 'problemResponder',
    onError: (request) => {
      request.response = errorToResponse(request.error);
    },
  };
}
