import { describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { InvalidInputError, KubeUnavailableError, NotFoundError, RateBudgetExceededError, UnauthorizedError } from '../../../lib/errors.js';
import { headerValue } from '../../../lib/http/headers.js';
import { errorToResponse, problemResponder } from '../../../lib/http/middlewares/problem-responder.js';
import { jsonResponse } from '../../../lib/http/problem.js';
import { routeRequests } from '../../../lib/http/router.js';
import { proxyEvent } from '../../support/builders/api-gateway-event.js';

const problem = (body: string | undefined) => JSON.parse(body ?? '{}') as Record<string, unknown>;

describe('errorToResponse: every error is an RFC 7807 problem a sender can act on', () => {
  it.each([
    [new InvalidInputError('alerts: a notification carries at least one alert', 'alerts', 400), 400, { title: 'Invalid request', detail: 'alerts: a notification carries at least one alert', field: 'alerts' }, {}],
    [new UnauthorizedError(), 401, { title: 'Unauthorized', detail: 'missing or invalid credentials' }, { 'WWW-Authenticate': 'Bearer realm="stormgate", Basic realm="stormgate"' }],
    [new NotFoundError('no signal abc'), 404, { title: 'Not Found', detail: 'no signal abc' }, {}],
    [new RateBudgetExceededError('team-a', 2_500), 503, { title: 'Service Unavailable', detail: 'the alert budget of this tenant is exhausted; retry later' }, { 'Retry-After': '3' }],
    [new KubeUnavailableError(30_000), 503, { title: 'Service Unavailable', detail: 'the alerts were not accepted; retry later' }, { 'Retry-After': '30' }],
    [new Error('boom: internal detail'), 503, { title: 'Service Unavailable', detail: 'the alerts were not accepted; retry later' }, { 'Retry-After': '5' }],
  ])('%s → %i', (error, status, body, headers) => {
    const response = errorToResponse(error);
    expect(response.statusCode).toBe(status);
    expect(response.headers).toEqual({ 'Content-Type': 'application/problem+json', ...headers });
    expect(problem(response.body)).toEqual({ type: 'about:blank', status, ...body });
  });

  it('is the onError of the problemResponder middleware', () => {
    const request = { error: new UnauthorizedError(), response: undefined as unknown };
    const responder = problemResponder();
    expect(responder.name).toBe('problemResponder');
    responder.onError?.(request as never);
    expect(request.response).toMatchObject({ statusCode: 401 });
  });
});

describe('routeRequests', () => {
  const ok = async () => jsonResponse(200, { ok: true });
  const route = routeRequests({ 'POST /v1/alerts/alertmanager': ok });
  const call = (httpMethod: string, resource: string, path: string) => route({ ...proxyEvent(), httpMethod, resource, path }, {} as Context);

  it('answers a route with its handler, as JSON', async () => {
    expect(await call('POST', '/v1/alerts/alertmanager', '/v1/alerts/alertmanager')).toEqual({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' });
  });

  it('names the method and the resource in a 405, and the path in a 404', async () => {
    expect(problem((await call('GET', '/v1/alerts/alertmanager', '/v1/alerts/alertmanager')).body)).toEqual({
      type: 'about:blank',
      status: 405,
      title: 'Method Not Allowed',
      detail: 'GET is not allowed on /v1/alerts/alertmanager',
    });
    expect(problem((await call('GET', '/other', '/live/other')).body)).toEqual({ type: 'about:blank', status: 404, title: 'Not Found', detail: 'no route for GET /live/other' });
  });
});

describe('headerValue', () => {
  it('finds a header whatever its case, and not another one', () => {
    const event = proxyEvent({ headers: { Accept: 'text/plain', 'CONTENT-type': 'application/json' } });
    expect(headerValue(event, 'Content-Type')).toBe('application/json');
    expect(headerValue(event, 'authorization')).toBeUndefined();
  });
});
