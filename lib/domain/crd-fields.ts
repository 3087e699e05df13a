import { createHash } from 'node:crypto';

/**
 * The RemediationRequest CRD's limits on what stormgate writes into `spec` (infra/k8s/
 * remediationrequest-crd.yaml), in characters (Kubernetes counts code points, not bytes). Whatever intake
 * accepts must fit: a value over a limit is cut to fit, with a marker and a hash of the whole value so
 * that two long values that differ only at the end stay different (README, "What intake normalizes").
 */
export const crdLimits = {
  signalName: 1024,
  severity: 64,
  targetName: 253,
  targetNamespace: 63,
  stormKey: 1024,
  labelValue: 4096,
  labelCount: 128,
  annotationValue: 8192,
  annotationCount: 64,
} as const;

/** What a cut value ends with: `…` and 8 hex characters of the SHA-256 of the whole value. */
const hashLength = 8;

/** The value as is when it fits `max` code points; otherwise its start, `…`, and a hash of all of it. */
export function fitField(value: string, max: number): string {
  const characters = [...value];
  if (characters.length <= max) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, hashLength);
  return `${characters.slice(0, max - hashLength - 1).join('')}…${hash}`;
}

/** Every value cut to at most `max` code points (a cut value keeps a hash of the whole). */
export function fitValues(values: Readonly<Record<string, string>>, max: number): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, fitField(value, max)]));
}
