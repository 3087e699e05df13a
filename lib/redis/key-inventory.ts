import { Cluster, type Redis } from 'ioredis';

/**
 * What stormgate keeps in Redis, key by key: for the `stormgate memory` check and the tests' hygiene
 * check (every key has a TTL and belongs to a known family).
 */
export interface StoredKey {
  /** The key's bytes (episode keys are binary). */
  readonly key: Buffer;
  /** Remaining TTL in ms (-1: none). */
  readonly ttl: number;
  /** The master that holds it. */
  readonly node: Redis;
}

/** The masters of a cluster, or the one server. */
export function mastersOf(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key that holds state (all but the transient per-batch markers). */
export async function stateKeys(client: Redis | Cluster): Promise<StoredKey[]> {
  return (await storedKeys(client)).filter(({ key }) => !keyFamilies.batch.test(key.toString('latin1')));
}

/** Every key on every master, with its remaining TTL. */
export async function storedKeys(client: Redis | Cluster): Promise<StoredKey[]> {
  const result: StoredKey[] = [];
  for (const node of mastersOf(client)) {
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

/** Every key family stormgate writes (keys read as latin1, since episode keys are binary). */
export const keyFamilies = {
  episode: /^sg:\{[A-Za-z0-9_-]{2}\}[\s\S]{6}$/, // episode record (13 bytes)
  rate: /^sg:r:[A-Za-z0-9_-]{8}$/, // tenant rate budget
  due: /^sg:\{q[0-9a-f]\}$/, // due index bucket
  storm: /^sg:\{[A-Za-z0-9_-]{2}\}[dwob][\s\S]{6}$/, // storm detection, storm episode, overflow, membership filter
  withheld: /^sg:\{[A-Za-z0-9_-]{2}\}s[\s\S]{6}$/, // the signal of an episode whose request is withheld
  batch: /^sg:\{[A-Za-z0-9_-]{2}\}i[\s\S]{6}$/, // a dedup batch's marker (a Lambda retry counts nothing again)
  kube: /^sg:k$/, // the Kubernetes API's health (open circuit)
  owner: /^sg:\{[A-Za-z0-9_-]{2}\}n[A-Za-z0-9_-]{8}$/, // a namespace's pod owner cache (FINGERPRINT_STRATEGY=owner)
} as const;
export type KeyFamily = keyof typeof keyFamilies;

/** The family of a key, or undefined when stormgate does not write keys like it. */
export function familyOf(key: Buffer): KeyFamily | undefined {
  const text = key.toString('latin1');
  return (Object.keys(keyFamilies) as KeyFamily[]).find((family) => keyFamilies[family].test(text));
}
