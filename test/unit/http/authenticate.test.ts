import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { UnauthorizedError } from '../../../lib/errors.js';
import { authenticate, tenantOf } from '../../../lib/http/middlewares/authenticate.js';
import { middyRequest, proxyEvent } from '../../support/builders/api-gateway-event.js';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const middleware = authenticate([
  { tenant: 'default', sha256: sha256('current-token') },
  { tenant: 'default', sha256: sha256('next-token') },
  { tenant: 'team-a', sha256: sha256('team-a-token') },
]);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function attempt(authorization?: string) {
  const request = middyRequest(proxyEvent({ headers: authorization === undefined ? {} : { Authorization: authorization } }));
  middleware.before?.(request as never);
  return request;
}

describe('authenticate', () => {
  it.each([
    ['a Bearer token', 'Bearer current-token'],
    ['the rotated-in token', 'Bearer next-token'],
    ['the token as the Basic auth password', basic('alertmanager', 'next-token')],
    ['a lower-case scheme', 'bearer current-token'],
    ['several spaces after the scheme', 'Bearer   current-token'],
    ['trailing whitespace', 'Bearer current-token  '],
  ])('accepts %s and sets the tenant', (_case, header) => {
    expect(tenantOf(attempt(header).event)).toBe('default');
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['a wrong token', 'Bearer wrong'],
    ['a prefix of a valid token', 'Bearer current'],
    ['a valid token with another scheme', 'Token current-token'],
    ['Basic auth without a password', `Basic ${Buffer.from('current-token').toString('base64')}`],
    ['a wrong Basic password', basic('alertmanager', 'wrong')],
    ['text before the scheme', 'xBearer current-token'],
    ['a second word after the token', 'Bearer current-token extra'],
  ])('rejects %s with the same error', (_case, header) => {
    expect(() => attempt(header)).toThrow(UnauthorizedError);
    expect(() => attempt(header)).toThrow('missing or invalid credentials');
  });

  it('gives a secret listed for two tenants to the first, and never lets an absent header match an empty secret', () => {
    const twice = authenticate([
      { tenant: 'first', sha256: sha256('shared') },
      { tenant: 'second', sha256: sha256('shared') },
      { tenant: 'empty', sha256: sha256('') },
    ]);
    const request = middyRequest(proxyEvent({ headers: { Authorization: 'Bearer shared' } }));
    twice.before?.(request as never);
    expect(tenantOf(request.event)).toBe('first');
    expect(() => {
      twice.before?.(middyRequest(proxyEvent({ headers: {} })) as never);
    }).toThrow(UnauthorizedError);
  });

  it('maps the credential to its tenant', () => {
    expect(tenantOf(attempt('Bearer team-a-token').event)).toBe('team-a');
    expect(tenantOf(attempt(basic('anyone', 'team-a-token')).event)).toBe('team-a');
  });

  it('refuses to name a tenant for a request that was not authenticated', () => {
    expect(() => tenantOf(proxyEvent())).toThrow(UnauthorizedError);
  });

  it('finds the header whatever its case', () => {
    const request = middyRequest(proxyEvent({ headers: { AUTHORIZATION: 'Bearer current-token' } }));
    expect(() => {
      middleware.before?.(request as never);
    }).not.toThrow();
  });

  describe('timing-safe comparison (by what can be observed without timing)', () => {
    it('hashes what is presented before comparing: a credential of any length is refused the same way, never with a length error', () => {
      for (let length = 0; length <= 300; length += 7) {
        expect(() => attempt(`Bearer ${'x'.repeat(length)}`)).toThrow(UnauthorizedError);
      }
    });

    it('compares with every accepted credential, also after one matched (no early exit whose timing tells which)', () => {
      // A probe digest of the wrong length makes timingSafeEqual throw when, and only when, it is compared.
      const probe = authenticate([
        { tenant: 'default', sha256: sha256('current-token') },
        { tenant: 'probe', sha256: 'abcd' },
      ]);
      const request = middyRequest(proxyEvent({ headers: { Authorization: 'Bearer current-token' } }));
      expect(() => {
        probe.before?.(request as never);
      }).toThrow('Input buffers must have the same byte length');
    });
  });
});
