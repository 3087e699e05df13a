import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Credential } from '../../config/index.js';
import { UnauthorizedError } from '../../errors.js';
import { headerValue } from '../headers.js';

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** The secret a request presents: a Bearer token, or the password of Basic auth (the user name is free). */
function presentedSecret(authorization: string | undefined): string | undefined {
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  return separator < 0 ? undefined : decoded.slice(separator + 1);
}

/** The tenant the authenticate middleware found, where an API Gateway authorizer would put it. */
export function tenantOf(event: APIGatewayProxyEvent): string {
  const tenant: unknown = event.requestContext.authorizer?.tenant;
  if (typeof tenant !== 'string') throw new UnauthorizedError();
  return tenant;
}

/**
 * Accepts any of several credentials (rotation), each mapped to a tenant. Only SHA-256 digests are held,
 * and every one is compared in constant time, so neither timing nor the answer tells which part was wrong.
 */
export function authenticate(credentials: readonly Credential[] | (() => readonly Credential[])): MiddlewareObj<APIGatewayProxyEvent> {
  const provide = typeof credentials === 'function' ? credentials : () => credentials;
  // The provider is asked on every request (rotation); its list is decoded again only when it changes.
  let decoded: { list: readonly Credential[]; digests: { tenant: string; digest: Buffer }[] } | undefined;
  const digestsOf = (list: readonly Credential[]) => {
    if (decoded?.list !== list) decoded = { list, digests: list.map((credential) => ({ tenant: credential.tenant, digest: Buffer.from(credential.sha256, 'hex') })) };
    return decoded.digests;
  };
  return {
    name: 'authenticate',
    before: (request) => {
      const accepted = digestsOf(provide());
      const secret = presentedSecret(headerValue(request.event, 'authorization'));
      const presented = digest(secret ?? '');
      let tenant: string | undefined;
      for (const candidate of accepted) {
        if (timingSafeEqual(candidate.digest, presented) && tenant === undefined) tenant = candidate.tenant;
      }
      if (secret === undefined || tenant === undefined) throw new UnauthorizedError();
      request.event.requestContext.authorizer = { ...request.event.requestContext.authorizer, tenant };
    },
  };
}
