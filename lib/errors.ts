/**
 * Every error stormgate raises on purpose. `retryable` decides the outcome at the edge:
 * retryable → 503 + Retry-After (Alertmanager retries) or a failed async invocation (Lambda retries);
 * terminal → a 4xx problem (the sender must change the request) or a dead-lettered event.
 */
export abstract class StormgateError extends Error {
  abstract readonly retryable: boolean;
  /** For retryable errors: how long the sender should wait, when the error knows better than the default. */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A required environment variable is missing or invalid. Terminal: fix the deployment. */
export class ConfigError extends StormgateError {
  readonly retryable = false;
}

/** The request or event does not satisfy its schema. `field` names the offending path. */
export class InvalidInputError extends StormgateError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly field: string,
    readonly status: 400 | 413 | 415 = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Missing or wrong credentials. Deliberately carries no hint which part was wrong. */
export class UnauthorizedError extends StormgateError {
  readonly retryable = false;
  constructor() {
    super('missing or invalid credentials');
  }
}

/** The thing asked for does not exist (or is not visible to this tenant). */
export class NotFoundError extends StormgateError {
  readonly retryable = false;
}

/** The tenant's alert budget is spent: the sender must come back later, so this is a retryable 503. */
export class RateBudgetExceededError extends StormgateError {
  readonly retryable = true;
  override readonly retryAfterSeconds: number;
  constructor(tenant: string, retryAfterMs: number) {
    super(`tenant ${tenant} is over its alert budget`);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/** Redis could not be reached or failed a command: fail closed and let the sender retry. */
export class RedisUnavailableError extends StormgateError {
  readonly retryable = true;
}

/** Redis answered something the scripts never return: a bug or a foreign key, never retried blindly. */
export class RedisProtocolError extends StormgateError {
  readonly retryable = false;
}

/** Handing a batch to the next function failed; nothing was accepted. */
export class HandoffError extends StormgateError {
  readonly retryable = true;
}

/** The Kubernetes API is known to be failing (circuit open): fail fast instead of piling up calls. */
export class KubeUnavailableError extends StormgateError {
  readonly retryable = true;
  override readonly retryAfterSeconds: number;
  constructor(retryAfterMs: number) {
    super('the Kubernetes API is failing; calls are suspended for a moment');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

/** The Kubernetes API refused or failed a write. 429/5xx/network are retryable, the rest terminal. */
export class KubeWriteError extends StormgateError {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }

  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
}
