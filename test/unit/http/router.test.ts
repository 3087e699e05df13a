import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { jsonResponse } from '../../../lib/http/problem.js';
import { routeRequests } from '../../../lib/http/router.js';
import { proxyEvent } from '../../support/builders/api-gateway-event.js';

const route = routeRequests({
  'POST /v1/alerts/alertmanager': async () => jsonResponse(202, { route: 'webhook' }),
  'GET /v1/signals/{fingerprint}': async (event) => jsonResponse(200, { route: 'signal', fingerprint: event.pathParameters?.fingerprint }),
});
const call = (event: APIGatewayProxyEvent) => route(event, {} as Context);

describe('routeRequests', () => {
  it('dispatches by method and resource template', async () => {
    expect(JSON.parse((await call(proxyEvent())).body)).toEqual({ route: 'webhook' });
    const signal = { ...proxyEvent(), httpMethod: 'GET', resource: '/v1/signals/{fingerprint}', path: '/v1/signals/abc', pathParameters: { fingerprint: 'abc' } };
    expect(JSON.parse((await call(signal)).body)).toEqual({ route: 'signal', fingerprint: 'abc' });
  });

  it('answers 405 for a known resource with another method and 404 for an unknown one, as problems', async () => {
    const wrongMethod = await call({ ...proxyEvent(), httpMethod: 'GET' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.['Content-Type']).toBe('application/problem+json');
    expect((await call({ ...proxyEvent(), resource: '/nope', path: '/nope' })).statusCode).toBe(404);
  });
});
