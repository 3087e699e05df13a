import { describe, expect, it } from '@jest/globals';
import { type InvalidInputError } from '../../../lib/errors.js';
import { jsonBodyGuard } from '../../../lib/http/middlewares/json-body-guard.js';
import { middyRequest, proxyEvent } from '../../support/builders/api-gateway-event.js';

const guard = jsonBodyGuard({ maxBodyBytes: 16 });

function run(headers: Record<string, string>, body: string, isBase64Encoded = false) {
  const request = middyRequest(proxyEvent({ headers, body, isBase64Encoded }));
  guard.before?.(request as never);
  return request.event;
}

function rejection(headers: Record<string, string>, body: string): InvalidInputError {
  try {
    run(headers, body);
  } catch (error) {
    return error as InvalidInputError;
  }
  throw new Error('expected the guard to reject');
}

describe('jsonBodyGuard', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json'])('accepts %s', (type) => {
    expect(run({ 'Content-Type': type }, '{}').body).toBe('{}');
  });

  it.each([[{}], [{ 'Content-Type': 'text/plain' }], [{ 'Content-Type': 'application/jsonx' }], [{ 'Content-Type': 'multipart/form-data' }]])(
    'answers 415 naming Content-Type for %j',
    (headers) => {
      const error = rejection(headers, '{}');
      expect(error).toMatchObject({ status: 415, field: 'Content-Type' });
    },
  );

  it('answers 413 for a body over the limit, counting bytes not characters', () => {
    expect(rejection({ 'content-type': 'application/json' }, JSON.stringify('ééééééééé'))).toMatchObject({ status: 413, field: '(body)' });
    expect(run({ 'content-type': 'application/json' }, JSON.stringify('éééééé')).body).toBe('"éééééé"');
  });

  it('decodes a base64 body so the handler always sees text', () => {
    const event = run({ 'content-type': 'application/json' }, Buffer.from('{"a":1}').toString('base64'), true);
    expect(event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
  });

  it.each([
    [{}, 'Content-Type must be application/json, got none'],
    [{ 'Content-Type': 'text/plain' }, 'Content-Type must be application/json, got "text/plain"'],
    [{ 'Content-Type': 'text/application/json' }, 'Content-Type must be application/json, got "text/application/json"'],
    [{ 'Content-Type': `application/${'x'.repeat(200)}` }, `Content-Type must be application/json, got "application/${'x'.repeat(88)}"`],
  ])('says which Content-Type it got for %j (the first 100 characters)', (headers, message) => {
    expect(rejection(headers, '{}').message).toBe(message);
  });

  it('takes a body of exactly the limit and refuses one byte more, saying both sizes', () => {
    expect(run({ 'content-type': 'application/json' }, 'x'.repeat(16)).body).toBe('x'.repeat(16));
    expect(rejection({ 'content-type': 'application/json' }, 'x'.repeat(17)).message).toBe('body is 17 bytes, the limit is 16');
  });

  it('leaves a text body and its flag as they are', () => {
    expect(run({ 'content-type': 'application/json' }, 'eyJhIjoxfQ==')).toMatchObject({ body: 'eyJhIjoxfQ==', isBase64Encoded: false });
  });
});

