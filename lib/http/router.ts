import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { problemResponse } from './problem.js';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Dispatches an API Gateway proxy event to the handler of its route (`METHOD /resource/{param}`), the way
 * API Gateway itself would when several methods share one function.
 */
export function routeRequests(routes: Record<string, ProxyHandler>): ProxyHandler {
  return async (event, context) => {
    const handler = routes[`${event.httpMethod} ${event.resource}`];
    if (handler) return handler(event, context);
    const knownResource = Object.keys(routes).some((route) => route.endsWith(` ${event.resource}`));
    return knownResource
      ? problemResponse({ status: 405, title: 'Method Not Allowed', detail: `${event.httpMethod} is not allowed on ${event.resource}` })
      : problemResponse({ status: 404, title: 'Not Found', detail: `no route for ${event.httpMethod} ${event.path}` });
  };
}
