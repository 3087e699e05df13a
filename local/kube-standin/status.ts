import type { FieldError } from './openapi-schema.js';

/** A `Status` failure body, shaped like kube-apiserver's. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  /** Absent when the API server passes on a storage error it does not classify (etcd's "request is too large"). */
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: FieldError[] };
  code: number;
}

export function failure(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason !== '' && { reason }), ...(details && { details }), code };
}
