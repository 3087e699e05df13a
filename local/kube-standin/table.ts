import type { ResourceDefinition } from './crd-registry.js';

/**
 * Server-side printing, as kube-apiserver does for `kubectl get`: a meta.k8s.io/v1 Table with the CRD's
 * additionalPrinterColumns (date columns rendered as ages, like the API server does).
 */
interface TableObject {
  metadata: { name: string; creationTimestamp?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.includes('as=Table') && part.includes('g=meta.k8s.io'));
}

/** Reads `.a.b.c` from an object (the subset of JSONPath printer columns use). */
function lookup(object: unknown, jsonPath: string): unknown {
  return jsonPath
    .replace(/^\./, '')
    .split('.')
    .reduce<unknown>((current, key) => (current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined), object);
}

/** Kubernetes' HumanDuration: 45s, 5m, 3h, 2d … */
export function humanAge(since: string | undefined, now = Date.now()): string {
  if (since === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 === 0 ? '' : `${seconds % 60}s`}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function toTable(definition: ResourceDefinition, objects: TableObject[], resourceVersion: string) {
  const columns = definition.printerColumns.length > 0 ? definition.printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...columns.map((column) => ({ name: column.name, type: column.type === 'date' ? 'date' : column.type, format: '', description: column.description ?? '', priority: 0 })),
    ],
    rows: objects.map((object) => ({
      cells: [
        object.metadata.name,
        ...columns.map((column) => {
          const value = lookup(object, column.jsonPath);
          if (column.type === 'date') return typeof value === 'string' ? humanAge(value) : null;
          return value ?? null;
        }),
      ],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}
