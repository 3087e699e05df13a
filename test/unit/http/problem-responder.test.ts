import { describe, expect, it } from '@jest/globals';
import { ConfigError, HandoffError, InvalidInputError, NotFoundError, RateBudgetExceededError, RedisUnavailableError, UnauthorizedError } from '../../../lib/errors.js';
import { errorToResponse, problemResponder } from '../../../lib/http/middlewares/problem-responder.js';
import { middyRequest, proxyEvent } from '../../support/builders/api-gateway-event.js';

const bodyOf = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('problemResponder', () => {
  it('answers invalid input with its status and a problem naming the field', () => {
    const response = errorToResponse(new InvalidInputError('alerts[0].status: bad', 'alerts[0].status'));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(bodyOf(response)).toMatchObject({ status: 400, title: 'Invalid request', field: 'alerts[0].status', detail: 'alerts[0].status: bad' });
  });

  it('answers 401 with a challenge and no hint', () => {
    const response = errorToResponse(new UnauthorizedError());
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['WWW-Authenticate']).toMatch(/Bearer/);
    expect(bodyOf(response).detail).toBe('missing or invalid credentials');
  });

  it.each([
    ['a retryable failure', new RedisUnavailableError('redis down: ECONNREFUSED 10.0.0.1')],
    ['a failed hand-off', new HandoffError('invoke failed')],
    ['an unclassified bug', new TypeError('x is undefined')],
    ['a terminal server-side error', new ConfigError('AUTH_TOKENS missing')],
  ])('answers %s with 503 + Retry-After and leaks nothing', (_case, error) => {
    const response = errorToResponse(error);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('5');
    expect(response.body).not.toContain(error.message);
  });

  it('answers an exhausted rate budget with 503 (never 429) and its own Retry-After', () => {
    const response = errorToResponse(new RateBudgetExceededError('team-a', 12_300));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('13');
    expect(bodyOf(response).detail).toMatch(/budget/);
  });

  it('answers not found with 404', () => {
    expect(errorToResponse(new NotFoundError('no decision')).statusCode).toBe(404);
  });

  it('sets the response on the middy request', () => {
    const request = { ...middyRequest(proxyEvent()), error: new UnauthorizedError() };
    problemResponder().onError?.(request);
    expect(request).toMatchObject({ response: { statusCode: 401 } });
  });
});
