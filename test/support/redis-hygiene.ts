import { expect } from '@jest/globals';
import type { Cluster, Redis } from 'ioredis';
import { keyFamilies, storedKeys } from './redis-keys.js';

export { keysOfFamily } from './redis-keys.js';

/** After a test: no key without a TTL, no key outside the known families. */
export async function expectRedisHygiene(client: Redis | Cluster): Promise<void> {
  const keys = await storedKeys(client);
  const names = (entries: typeof keys) => entries.map(({ key }) => key.toString('latin1'));
  const withoutTtl = names(keys.filter(({ ttl }) => ttl < 0));
  const unknown = names(keys).filter((key) => !Object.values(keyFamilies).some((family) => family.test(key)));
  expect({ withoutTtl, unknown }).toEqual({ withoutTtl: [], unknown: [] });
}

