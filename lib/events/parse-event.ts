import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod/mini';
import { InvalidInputError } from '../errors.js';

/**
 * Validates an async event against its schema and replaces it with the parsed value. An invalid event is
 * terminal: retrying cannot fix it, so it goes to the dead-letter queue with the reason.
 */
export function parseEvent<S extends z.ZodMiniType>(schema: S): MiddlewareObj<z.infer<S>> {
  return {
    name: 'parseEvent',
    before: (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') ?? '(event)';
        throw new InvalidInputError(`invalid event: ${field}: ${issue?.message ?? 'schema mismatch'}`, field, 400, {
          cause: parsed.error,
        });
      }
      request.event = parsed.data;
    },
  };
}
