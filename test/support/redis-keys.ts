import type { Cluster, Redis } from 'ioredis';
import { keyFamilies, mastersOf, type StoredKey, storedKeys } from '../../lib/redis/key-inventory.js';

export { keyFamilies, memoryUsage, type StoredKey, stateKeys, storedKeys } from '../../lib/redis/key-inventory.js';

export async function flushAll(client: Redis | Cluster): Promise<void> {
  await Promise.all(mastersOf(client).map((node) => node.flushall()));
}

export async function keysOfFamily(client: Redis | Cluster, family: keyof typeof keyFamilies): Promise<StoredKey[]> {
  return (await storedKeys(client)).filter(({ key }) => keyFamilies[family].test(key.toString('latin1')));
}
