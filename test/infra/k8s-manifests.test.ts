import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { loadResourceDefinitions } from '../../local/kube-standin/crd-registry.js';
import type { StructuralSchema } from '../../local/kube-standin/openapi-schema.js';

const directory = new URL('../../infra/k8s/', import.meta.url);
const documents = (file: string) => parseAllDocuments(readFileSync(new URL(file, directory), 'utf8')).map((document) => document.toJS() as Record<string, unknown>);

/** Every property path of a schema that has no description. */
function undescribed(schema: StructuralSchema & { description?: string }, path: string): string[] {
  const own = schema.description ? [] : [path];
  const properties = Object.entries(schema.properties ?? {}).flatMap(([name, child]) => undescribed(child, `${path}.${name}`));
  const items = schema.items ? undescribed(schema.items, `${path}[]`) : [];
  const values = typeof schema.additionalProperties === 'object' ? undescribed(schema.additionalProperties, `${path}.*`) : [];
  return [...own, ...properties, ...items, ...values];
}

describe('the RemediationRequest CRD', () => {
  const [definition] = loadResourceDefinitions(new URL('.', directory).pathname);

  it('is remediation.stormgate.dev/v1alpha1, namespaced, short name rr, with a status subresource', () => {
    expect(definition).toMatchObject({
      group: 'remediation.stormgate.dev',
      version: 'v1alpha1',
      kind: 'RemediationRequest',
      plural: 'remediationrequests',
      shortNames: ['rr'],
      categories: ['stormgate'],
      namespaced: true,
      statusSubresource: true,
    });
  });

  it('describes every field', () => {
    expect(undescribed(definition?.schema as StructuralSchema, '')).toEqual([]);
  });

  it('makes spec immutable with CEL', () => {
    expect(definition?.schema.properties?.spec?.['x-kubernetes-validations']).toEqual([{ rule: 'self == oldSelf', message: 'spec is immutable' }]);
  });

  it('prints the columns a person wants in kubectl get rr', () => {
    expect(definition?.printerColumns.map((column) => column.name)).toEqual(['Alert', 'Kind', 'Target', 'Severity', 'Occurrences', 'Storm', 'State', 'Age']);
  });

  it('bounds every string and list', () => {
    const unbounded: string[] = [];
    const walk = (schema: StructuralSchema, path: string) => {
      const boundedString = schema.maxLength !== undefined || schema.enum !== undefined || schema.format === 'date-time';
      if (schema.type === 'string' && !boundedString && !/^\.(apiVersion|kind)$/.test(path)) unbounded.push(path);
      if (schema.type === 'array' && schema.maxItems === undefined) unbounded.push(path);
      Object.entries(schema.properties ?? {}).forEach(([name, child]) => walk(child, `${path}.${name}`));
      if (schema.items) walk(schema.items, `${path}[]`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}.*`);
    };
    walk(definition?.schema as StructuralSchema, '');
    expect(unbounded).toEqual([]);
  });
});

describe('RBAC', () => {
  const manifests = documents('rbac.yaml');

  it('grants create, get, list on requests and patch on their status, in the stormgate namespace only', () => {
    const roles = manifests.filter((manifest) => manifest.kind === 'Role');
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatchObject({ kind: 'Role', metadata: { namespace: 'stormgate' } });
    expect(roles[0]?.rules).toEqual([
      { apiGroups: ['remediation.stormgate.dev'], resources: ['remediationrequests'], verbs: ['create', 'get', 'list'] },
      { apiGroups: ['remediation.stormgate.dev'], resources: ['remediationrequests/status'], verbs: ['patch'] },
    ]);
  });

  it('grants, cluster-wide, only get on pods, replicasets and jobs (the owner lookup), and binds it to the same two subjects', () => {
    const clusterRoles = manifests.filter((manifest) => manifest.kind === 'ClusterRole');
    expect(clusterRoles).toHaveLength(1);
    expect(clusterRoles[0]?.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get'] },
    ]);
    const bindings = manifests.filter((manifest) => manifest.kind === 'ClusterRoleBinding');
    expect(bindings).toEqual([expect.objectContaining({ roleRef: expect.objectContaining({ kind: 'ClusterRole', name: 'stormgate-owner-reader' }) })]);
    expect(bindings[0]?.subjects).toEqual([
      expect.objectContaining({ kind: 'Group', name: 'stormgate-writers' }),
      expect.objectContaining({ kind: 'ServiceAccount', name: 'stormgate', namespace: 'stormgate' }),
    ]);
  });

  it('binds the role to the IAM-mapped group and to the ServiceAccount', () => {
    const subjects = manifests.filter((manifest) => manifest.kind === 'RoleBinding').flatMap((binding) => binding.subjects as { kind: string; name: string }[]);
    expect(subjects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'Group', name: 'stormgate-writers' }),
        expect.objectContaining({ kind: 'ServiceAccount', name: 'stormgate' }),
      ]),
    );
  });
});
