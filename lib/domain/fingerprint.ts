import { createHash } from 'node:crypto';
import type { TargetResource } from './signal.js';

function sha256(parts: readonly string[]): Buffer {
  // NUL cannot occur in label values that survive JSON + Prometheus, so it separates parts unambiguously.
  return createHash('sha256').update(parts.join('\0')).digest();
}

/**
 * `resource` strategy: one fingerprint per (alertname, namespace, kind, name), so the same problem on the
 * same object is one signal however its other labels churn. 128 bits, 32 hex chars: fits a label value.
 */
export function resourceFingerprint(alertname: string, target: TargetResource): string {
  return sha256([alertname, target.namespace ?? '', target.kind, target.name]).subarray(0, 16).toString('hex');
}

/** The short, binary-safe form of a fingerprint used inside Redis keys (96 bits, 16 chars). */
export function fingerprintKeyDigest(fingerprint: string): string {
  return Buffer.from(fingerprint, 'hex').subarray(0, 12).toString('base64url');
}

/**
 * The storm key groups signals that one problem can produce in bulk: same tenant, alertname and namespace.
 * Its digest is the Redis hash tag, so every key of one storm lands in one cluster slot.
 */
export function stormKeyDigest(tenant: string, alertname: string, namespace: string | undefined): string {
  return sha256([tenant, alertname, namespace ?? '']).subarray(0, 6).toString('base64url');
}
