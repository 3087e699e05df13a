import type { StructuralSchema } from './openapi-schema.js';
import { readYamlDocuments } from './yaml-documents.js';
import { transitionRules, type TransitionRule, UnenforceableSchemaError, unenforceableParts } from './schema-support.js';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
}

/** One served version of a custom resource, as the API server knows it from its CRD. */
export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  statusSubresource: boolean;
  schema: StructuralSchema;
  /** The schema's `self == oldSelf` CEL rules, checked on every update. */
  transitionRules: TransitionRule[];
  printerColumns: PrinterColumn[];
}

interface CrdDocument {
  kind?: string;
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      subresources?: { status?: object };
      schema: { openAPIV3Schema: StructuralSchema };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

/**
 * Loads every CustomResourceDefinition in the YAML files of a directory (infra/k8s); refuses one whose
 * schema uses a keyword, format or CEL rule the stand-in cannot enforce (UnenforceableSchemaError).
 */
export function loadResourceDefinitions(directory: string): ResourceDefinition[] {
  const definitions = readDefinitions(directory);
  for (const definition of definitions) {
    const problems = unenforceableParts(definition.schema, '');
    if (problems.length > 0) {
      throw new UnenforceableSchemaError(
        `the Kubernetes stand-in cannot enforce the schema of ${definition.plural}.${definition.group}/${definition.version} as an API server would: ${problems.join('; ')}`,
      );
    }
  }
  return definitions;
}

function readDefinitions(directory: string): ResourceDefinition[] {
  return (readYamlDocuments(directory) as CrdDocument[])
    .filter((document) => document.kind === 'CustomResourceDefinition')
    .flatMap(({ spec }) =>
      spec.versions
        .filter((version) => version.served)
        .map((version) => ({
          group: spec.group,
          version: version.name,
          kind: spec.names.kind,
          listKind: spec.names.listKind ?? `${spec.names.kind}List`,
          plural: spec.names.plural,
          singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
          shortNames: spec.names.shortNames ?? [],
          categories: spec.names.categories ?? [],
          namespaced: spec.scope === 'Namespaced',
          statusSubresource: version.subresources?.status !== undefined,
          schema: version.schema.openAPIV3Schema,
          transitionRules: transitionRules(version.schema.openAPIV3Schema),
          printerColumns: version.additionalPrinterColumns ?? [],
        })),
    );
}

/** `group/version`, or `v1` for the core group (whose group is ''). */
export function apiVersionOf(definition: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return definition.group === '' ? definition.version : `${definition.group}/${definition.version}`;
}

/**
 * Built-in kinds the stand-in also serves, for owner resolution (a pod's ownerReferences up to its
 * workload): stored as written (no schema beyond object metadata), with a status subresource.
 */
export const builtInDefinitions: readonly ResourceDefinition[] = [
  ['', 'Pod', 'pods', ['po']],
  ['apps', 'ReplicaSet', 'replicasets', ['rs']],
  ['apps', 'Deployment', 'deployments', ['deploy']],
  ['apps', 'StatefulSet', 'statefulsets', ['sts']],
  ['apps', 'DaemonSet', 'daemonsets', ['ds']],
  ['batch', 'Job', 'jobs', []],
  ['batch', 'CronJob', 'cronjobs', ['cj']],
].map(([group, kind, plural, shortNames]) => ({
  group: group as string,
  version: 'v1',
  kind: kind as string,
  listKind: `${kind as string}List`,
  plural: plural as string,
  singular: (kind as string).toLowerCase(),
  shortNames: shortNames as string[],
  categories: [],
  namespaced: true,
  statusSubresource: true,
  schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  transitionRules: [],
  printerColumns: [],
}));
