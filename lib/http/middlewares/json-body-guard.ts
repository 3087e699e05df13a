import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { InvalidInputError } from '../../errors.js';
import { headerValue } from '../headers.js';

/**
 * Rejects what is not a JSON body of acceptable size before anything parses it, and decodes a base64 body
 * (API Gateway binary passthrough) so that the handler always sees text.
 */
export function jsonBodyGuard(options: { maxBodyBytes: number }): MiddlewareObj<APIGatewayProxyEvent> {
  return {
    name: 'jsonBodyGuard',
    before: (request) => {
      const event = request.event;
      const contentType = headerValue(event, 'content-type') ?? '';
      if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
        throw new InvalidInputError(
          `Content-Type must be application/json, got ${contentType === '' ? 'none' : JSON.stringify(contentType.slice(0, 100))}`,
          'Content-Type',
          415,
        );
      }
      const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
      if (raw.byteLength > options.maxBodyBytes) {
        throw new InvalidInputError(
          `body is ${raw.byteLength} bytes, the limit is ${options.maxBodyBytes}`,
          '(body)',
          413,
        );
      }
      if (event.isBase64Encoded) {
        event.body = raw.toString('utf8');
        event.isBase64Encoded = false;
      }
    },
  };
}
