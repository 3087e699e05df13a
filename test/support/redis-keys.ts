import { Cluster, type Redis } from 'ioredis';

/** Every key on every master, with its remaining TTL in ms (-1: none). */
export async function keysWithTtl(client: Redis | Cluster): Promise<Map<string, number>> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const result = new Map<string, number>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) result.set(key, await node.pttl(key));
    } while (cursor !== '0');
  }
  return result;
}

/** Keys that would live forever: the Redis rules say every key has a TTL. */
export async function keysWithoutTtl(client: Redis | Cluster): Promise<string[]> {
  return [...(await keysWithTtl(client))].filter(([, ttl]) => ttl < 0).map(([key]) => key);
}

export async function flushAll(client: Redis | Cluster): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  await Promise.all(nodes.map((node) => node.flushall()));
}
