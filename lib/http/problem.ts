import type { APIGatewayProxyResult } from 'aws-lambda';

/** Seconds Alertmanager should wait before retrying a 503. */
export const retryAfterSeconds = 5;

export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** The offending request field, for 4xx about the payload. */
  readonly field?: string;
}

/** An RFC 7807 problem+json response. Never carries stack traces or internal error text for 5xx. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', ...problem }),
  };
}

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}
