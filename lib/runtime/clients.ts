import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createLambdaClient } from '../aws/lambda-client.js';
import { createSecretsClient } from '../aws/secrets-client.js';
import { type Config, getConfig, requireRedis } from '../config/index.js';
import { createRedisClient, type RedisClient } from '../redis/client.js';
import { logger } from '../telemetry/logger.js';

/**
 * Process-wide clients, created on first use and reused across warm invocations. Handlers get their
 * clients here (the Kubernetes ones in lib/runtime/kube.ts); nothing else constructs one.
 */
let configured: Config | undefined;
let redis: RedisClient | undefined;
let secrets: Promise<SecretsManagerClient> | undefined;
let redisPasswordOverride: string | undefined;
let lambda: Promise<LambdaClient> | undefined;

/** A client being made; if making it fails, the next caller tries again instead of getting the same failure forever. */
export function forgetOnFailure<T>(making: Promise<T>, forget: () => void): Promise<T> {
  return making.catch((error: unknown) => {
    forget();
    throw error;
  });
}

/** The validated configuration, with telemetry set up from it; what a function reads at cold start. */
export function runtimeConfig(): Config {
  if (!configured) {
    configured = getConfig();
    logger.setLogLevel(configured.logLevel);
  }
  return configured;
}

/** The Redis AUTH token read from Secrets Manager (lib/runtime/secrets), used by the client created next. */
export function useRedisPassword(password: string): void {
  redisPasswordOverride = password;
}

export function redisClient(): RedisClient {
  if (!redis) {
    const target = requireRedis(runtimeConfig());
    redis = createRedisClient(redisPasswordOverride === undefined ? target : { ...target, password: redisPasswordOverride });
  }
  return redis;
}

/** Promises: the SDK module of each AWS client is loaded when the client is first asked for. */
export function secretsClient(): Promise<SecretsManagerClient> {
  secrets ??= forgetOnFailure(createSecretsClient(runtimeConfig().aws), () => {
    secrets = undefined;
  });
  return secrets;
}

export function lambdaClient(): Promise<LambdaClient> {
  lambda ??= forgetOnFailure(createLambdaClient(runtimeConfig().aws), () => {
    lambda = undefined;
  });
  return lambda;
}

/** Closes what was opened (local runtime shutdown, tests). */
export async function closeClients(): Promise<void> {
  const open = redis;
  const aws = [lambda, secrets];
  redis = undefined;
  lambda = undefined;
  secrets = undefined;
  for (const client of aws) (await client?.catch(() => undefined))?.destroy();
  if (open) await open.quit().catch(() => open.disconnect());
}
