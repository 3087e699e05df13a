import { InvalidInputError } from '../errors.js';
import { type WebhookPayload, webhookPayloadSchema } from './webhook-schema.js';

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (joined, part) => (typeof part === 'number' ? `${joined}[${part}]` : joined === '' ? String(part) : `${joined}.${String(part)}`),
    '',
  );
}

/** Parses and validates a webhook body; the error names the first offending field. */
export function parseWebhook(body: string): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new InvalidInputError(`body is not valid JSON: ${(error as Error).message}`, '(body)', 400, { cause: error });
  }
  const parsed = webhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? fieldPath(issue.path) || '(body)' : '(body)';
    throw new InvalidInputError(`${field}: ${issue?.message ?? 'invalid payload'}`, field, 400, { cause: parsed.error });
  }
  return parsed.data;
}
