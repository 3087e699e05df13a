import { RedisUnavailableError } from '../errors.js';

/** Runs one Redis call; any failure (connection, timeout, server error) is retryable and fails closed. */
export async function callRedis<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new RedisUnavailableError(`redis ${operation} failed: ${(error as Error).message}`, { cause: error });
  }
}
