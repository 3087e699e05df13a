import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { createLambdaClient } from '../aws/lambda-client.js';
import { getConfig, requireKube, requireRedis } from '../config/index.js';
import { createKubeClient } from '../kube/client.js';
import { createRedisClient, type RedisClient } from '../redis/client.js';

/**
 * Process-wide clients, created on first use and reused across warm invocations. Handlers get their
 * clients here; nothing else constructs one.
 */
let redis: RedisClient | undefined;
let kube: CustomObjectsApi | undefined;
let lambda: LambdaClient | undefined;

export function redisClient(): RedisClient {
  redis ??= createRedisClient(requireRedis(getConfig()));
  return redis;
}

export function kubeApi(): CustomObjectsApi {
  kube ??= createKubeClient(requireKube(getConfig()));
  return kube;
}

export function lambdaClient(): LambdaClient {
  lambda ??= createLambdaClient(getConfig().aws);
  return lambda;
}

/** Closes what was opened (local runtime shutdown, tests). */
export async function closeClients(): Promise<void> {
  const open = redis;
  redis = undefined;
  kube = undefined;
  lambda?.destroy();
  lambda = undefined;
  if (open) await open.quit().catch(() => open.disconnect());
}
