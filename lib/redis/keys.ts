import { createHash } from 'node:crypto';
import { fingerprintKeyDigest, stormTagOf } from '../domain/fingerprint.js';

/**
 * Key schema. `sg:` prefix, short digests, and a hash tag per storm key (tenant + alertname + namespace,
 * carried in the fingerprint) so that one storm's keys share a cluster slot:
 *   sg:{<tag 2>}<6 raw bytes>   episode record of one signal: exactly 13 bytes, binary. With its 12-byte
 *                              record it costs 88 bytes (MEMORY USAGE) standalone and in cluster mode,
 *                              where a 20-byte key would cost 104. Every other family is longer.
 *   sg:r:<tenant digest>       the tenant's rate budget (GCRA, one key)
 *   sg:{q<bucket>}             due index bucket (ZSET), 16 buckets
 */
export function episodeKey(tenant: string, fingerprint: string): Buffer {
  return Buffer.concat([Buffer.from(`sg:{${stormTagOf(tenant, fingerprint)}}`), fingerprintKeyDigest(tenant, fingerprint)]);
}

export function rateBudgetKey(tenant: string): string {
  return `sg:r:${createHash('sha256').update(tenant).digest().subarray(0, 6).toString('base64url')}`;
}

export const dueBucketCount = 16;

export function dueBucketKey(bucket: number): string {
  return `sg:{q${bucket.toString(16)}}`;
}

/** Spreads due members over the buckets (and so over cluster slots) by a hash of the member. */
export function dueBucketOf(member: string): number {
  return (createHash('sha256').update(member).digest().readUInt8(0)) % dueBucketCount;
}
