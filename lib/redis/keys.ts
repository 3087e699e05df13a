import { fingerprintKeyDigest, stormKeyDigest } from '../domain/fingerprint.js';
import type { Signal } from '../domain/signal.js';
import { namespaceOf } from '../domain/target-resource.js';

/**
 * Key schema. `sg:` prefix, a hash tag per storm key (tenant + alertname + namespace) so that one storm's
 * keys share a cluster slot, and short base64url digests instead of hex.
 *   sg:{<storm tag>}:e:<fingerprint digest>   episode hash of one fingerprint
 */
export function stormTag(tenant: string, signal: Pick<Signal, 'alertname' | 'labels'>): string {
  return stormKeyDigest(tenant, signal.alertname, namespaceOf(signal.labels));
}

export function episodeKey(tag: string, fingerprint: string): string {
  return `sg:{${tag}}:e:${fingerprintKeyDigest(fingerprint)}`;
}
