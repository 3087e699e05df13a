import type { APIGatewayProxyEvent } from 'aws-lambda';

/** API Gateway keeps header case as sent; HTTP header names are case-insensitive. */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
