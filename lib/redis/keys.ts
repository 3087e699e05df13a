import { createHash } from 'node:crypto';
import { fingerprintKeyDigest, stormTagOf } from '../domain/fingerprint.js';

/**
 * Key schema. `sg:` prefix, short base64url digests, and a hash tag per storm key (tenant + alertname +
 * namespace, carried in the fingerprint) so that one storm's keys share a cluster slot:
 *   sg:{<storm tag>}:e:<fingerprint digest>   episode hash of one signal (30 bytes)
 *   sg:r:<tenant digest>                      the tenant's rate budget (GCRA, one key)
 */
export function episodeKey(tenant: string, fingerprint: string): string {
  return `sg:{${stormTagOf(tenant, fingerprint)}}:e:${fingerprintKeyDigest(fingerprint)}`;
}

export function rateBudgetKey(tenant: string): string {
  return `sg:r:${createHash('sha256').update(tenant).digest().subarray(0, 6).toString('base64url')}`;
}
