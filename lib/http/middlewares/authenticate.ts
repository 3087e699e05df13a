import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { UnauthorizedError } from '../../errors.js';
import { headerValue } from '../headers.js';

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** The secret a request presents: a Bearer token, or the password of Basic auth. */
function presentedSecret(authorization: string | undefined): string | undefined {
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator < 0 ? undefined : decoded.slice(separator + 1);
}

export function tenantOf(event: APIGatewayProxyEvent): string {
  const tenant: unknown = event.requestContext.authorizer?.tenant;
  return typeof tenant === 'string' ? tenant : 'default';
}

/**
 * Accepts any of several tokens (rotation). Only SHA-256 digests are kept in memory, and every digest is
 * compared in constant time, so neither timing nor the answer tells which part was wrong.
 * On success the tenant is put where an API Gateway authorizer would put it.
 */
export function authenticate(tokens: readonly string[]): MiddlewareObj<APIGatewayProxyEvent> {
  const accepted = tokens.map(digest);
  return {
    name: 'authenticate',
    before: (request) => {
      const secret = presentedSecret(headerValue(request.event, 'authorization'));
      const presented = digest(secret ?? '');
      const matches = accepted.reduce((found, candidate) => timingSafeEqual(candidate, presented) || found, false);
      if (secret === undefined || !matches) throw new UnauthorizedError();
      request.event.requestContext.authorizer = { ...request.event.requestContext.authorizer, tenant: 'default' };
    },
  };
}
