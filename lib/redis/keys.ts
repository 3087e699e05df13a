import { createHash } from 'node:crypto';
import { fingerprintKeyDigest, stormTagOf } from '../domain/fingerprint.js';

/**
 * Key schema. `sg:` prefix, short digests, and a hash tag per storm key (tenant + alertname + namespace,
 * carried in the fingerprint) so that one storm's keys share a cluster slot:
 *   sg:{<tag 2>}<6 raw bytes>   episode record of one signal: exactly 13 bytes, binary. With its 12-byte
 *                              record it costs 88 bytes (MEMORY USAGE) standalone and in cluster mode,
 *                              where a 20-byte key would cost 104. Every other family is longer.
 *   sg:{<tag 2>}<f><6 bytes>   storm-key families (14 bytes): d detection ZSET, w storm episode HASH,
 *                              o its overflow HLL, b its membership filter (Bloom, 16 KiB), i the marker
 *                              of one applied dedup batch (a Lambda retry counts nothing again)
 *   sg:{<tag 2>}s<6 bytes>     the signal of an episode whose request is withheld (JSON)
 *   sg:{<tag 2>}n<8 chars>     a tenant's namespace's pod owner cache (HASH; its own tag)
 *   sg:r:<tenant digest>       the tenant's rate budget (GCRA, one key)
 *   sg:{q<bucket>}             due index bucket (ZSET), 16 buckets
 */
export function episodeKey(tenant: string, fingerprint: string): Buffer {
  return Buffer.concat([Buffer.from(`sg:{${stormTagOf(tenant, fingerprint)}}`), fingerprintKeyDigest(tenant, fingerprint)]);
}

/** The signal of an episode whose request is withheld (`sg:{<tag 2>}s<6 bytes>`), for the sweep's next look; beside its record. */
export function withheldSignalKey(tenant: string, fingerprint: string): Buffer {
  return Buffer.concat([Buffer.from(`sg:{${stormTagOf(tenant, fingerprint)}}s`), fingerprintKeyDigest(tenant, fingerprint)]);
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

export interface StormKeys {
  readonly detection: Buffer;
  readonly storm: Buffer;
  readonly overflow: Buffer;
  readonly bloom: Buffer;
}

/** The keys of one storm key, from the storm part (first 12 hex chars) of its signals' fingerprints. */
export function stormKeys(tenant: string, stormPart: string): StormKeys {
  const tag = Buffer.from(`sg:{${stormTagOf(tenant, stormPart)}}`);
  const digest = createHash('sha256').update(`storm-key\0${tenant}\0${stormPart}`).digest().subarray(0, 6);
  const key = (family: string) => Buffer.concat([tag, Buffer.from(family), digest]);
  return { detection: key('d'), storm: key('w'), overflow: key('o'), bloom: key('b') };
}

/**
 * The marker of one dedup batch's step on one storm key: the same event retried finds it. The digest
 * covers every signal's delivery (fingerprint, status, startsAt, delivery key), so the parts of a split
 * notification, or a resolved sent beside its own firing, never share a marker.
 */
export function batchMarkerKey(tenant: string, stormPart: string, requestId: string, deliveries: readonly string[]): Buffer {
  const tag = Buffer.from(`sg:{${stormTagOf(tenant, stormPart)}}i`);
  const digest = createHash('sha256').update(['batch', tenant, requestId, ...deliveries].join('\0')).digest().subarray(0, 6);
  return Buffer.concat([tag, digest]);
}
