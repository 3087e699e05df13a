import type * as z from 'zod/mini';

/**
 * JSON text read back from somewhere stormgate does not control alone (Redis, an API server's answer),
 * validated against `schema`: the value, or undefined when the text is no JSON or does not match.
 */
export function parseJsonAs<Schema extends z.ZodMiniType>(schema: Schema, text: string): z.infer<Schema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
