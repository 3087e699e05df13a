import { Cluster, type Redis } from 'ioredis';

export interface StoredKey {
  /** The key's bytes (episode keys are binary). */
  readonly key: Buffer;
  /** Remaining TTL in ms (-1: none). */
  readonly ttl: number;
  /** The master that holds it. */
  readonly node: Redis;
}

function masters(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key that holds state (all but the transient per-batch markers). */
export async function stateKeys(client: Redis | Cluster): Promise<StoredKey[]> {
  return (await storedKeys(client)).filter(({ key }) => !keyFamilies.batch.test(key.toString('latin1')));
}

/** Every key on every master, with its remaining TTL. */
export async function storedKeys(client: Redis | Cluster): Promise<StoredKey[]> {
  const result: StoredKey[] = [];
  for (const node of masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scanBuffer(cursor, 'COUNT', 1000);
      cursor = next.toString();
      for (const key of keys) {
        const ttl = await node.pttl(key);
        // -2: expired between SCAN and PTTL; gone, not a key without TTL (-1).
        if (ttl !== -2) result.push({ key, ttl, node });
      }
    } while (cursor !== '0');
  }
  return result;
}

/** MEMORY USAGE of a stored key, asked of the master that holds it. */
export async function memoryUsage({ key, node }: StoredKey): Promise<number> {
  return Number(await node.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
}

export async function flushAll(client: Redis | Cluster): Promise<void> {
  await Promise.all(masters(client).map((node) => node.flushall()));
}

/** Every key family stormgate writes (keys read as latin1, since episode keys are binary). */
export const keyFamilies = {
  episode: /^sg:\{[A-Za-z0-9_-]{2}\}[\s\S]{6}$/, // episode record (13 bytes)
  rate: /^sg:r:[A-Za-z0-9_-]{8}$/, // tenant rate budget
  due: /^sg:\{q[0-9a-f]\}$/, // due index bucket
  storm: /^sg:\{[A-Za-z0-9_-]{2}\}[dwob][\s\S]{6}$/, // storm detection, storm episode, overflow, membership filter
  batch: /^sg:\{[A-Za-z0-9_-]{2}\}i[\s\S]{6}$/, // a dedup batch's marker (a Lambda retry counts nothing again)
  kube: /^sg:k$/, // the Kubernetes API's health (open circuit)
} as const;

export async function keysOfFamily(client: Redis | Cluster, family: keyof typeof keyFamilies): Promise<StoredKey[]> {
  return (await storedKeys(client)).filter(({ key }) => keyFamilies[family].test(key.toString('latin1')));
}
