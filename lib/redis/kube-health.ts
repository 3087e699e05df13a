import { callRedis } from './call-redis.js';
import type { RedisClient } from './client.js';

// One key for the whole deployment: its own slot, a TTL equal to the open circuit's remaining time.
const kubeHealthKey = 'sg:k';

/**
 * The Kubernetes API's health as every function sees it: a dedup whose circuit opens marks the API
 * unhealthy until the circuit's cooldown ends, and ingest then answers 503 instead of queueing work that
 * cannot be written.
 */
export class KubeHealth {
  constructor(
    private readonly redis: RedisClient,
    private readonly now: () => number = Date.now,
  ) {}

  async markUnhealthy(untilMs: number): Promise<void> {
    const remaining = Math.max(1, Math.ceil(untilMs - this.now()));
    await callRedis('kube health mark', () => this.redis.set(kubeHealthKey, String(untilMs), 'PX', remaining));
  }

  /** Milliseconds until the API is worth calling again; 0 when it is healthy. */
  async blockedForMs(): Promise<number> {
    const until = await callRedis('kube health read', () => this.redis.get(kubeHealthKey));
    return until === null ? 0 : Math.max(0, Number(until) - this.now());
  }
}
