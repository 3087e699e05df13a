import { readYamlDocuments } from './yaml-documents.js';

/** Who a request is, as the authenticator tells the authorizer. */
export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
}

/** The identity stormgate's functions have in a cluster: infra/k8s/rbac.yaml binds the group (an EKS access entry maps the IAM role to it). */
export const stormgateIdentity: Identity = { user: 'stormgate', groups: ['stormgate-writers', 'system:authenticated'] };
/** A cluster administrator: system:masters is allowed everything, as in a real cluster. */
export const adminIdentity: Identity = { user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
/** A request without credentials (--anonymous-auth defaults to true): authenticated as nobody, then authorized. */
export const anonymousIdentity: Identity = { user: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Paths every client may read, even anonymous (the system:public-info-viewer ClusterRole). */
const publicPaths = new Set(['/version', '/healthz', '/livez', '/readyz']);

/** The attributes RBAC decides on (k8s.io/apiserver authorizer.Attributes of a resource request). */
export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

interface RbacDocument {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
  subjects?: Subject[];
  roleRef?: { kind: 'Role' | 'ClusterRole'; name: string };
}

const listed = (values: readonly string[] | undefined, value: string) => (values ?? []).some((candidate) => candidate === '*' || candidate === value);

// A resource rule: `name`, `name/sub`, `*`, or `*` + `/sub` (that subresource of any resource).
function resourceMatches(rules: readonly string[] | undefined, attributes: ResourceAttributes): boolean {
  if (attributes.subresource === undefined) return listed(rules, attributes.resource);
  return (rules ?? []).some((rule) => rule === '*' || rule === `${attributes.resource}/${attributes.subresource}` || rule === `*/${attributes.subresource}`);
}

/** A rule allows a request when group, resource (with its subresource), verb and, if the rule names any, the object's name all match. */
function ruleAllows(rule: PolicyRule, attributes: ResourceAttributes): boolean {
  const names = rule.resourceNames ?? [];
  return (
    listed(rule.apiGroups, attributes.group) &&
    resourceMatches(rule.resources, attributes) &&
    listed(rule.verbs, attributes.verb) &&
    (names.length === 0 || (attributes.name !== undefined && names.includes(attributes.name)))
  );
}

/** A ServiceAccount subject without a namespace is in its RoleBinding's namespace. */
function subjectMatches(subject: Subject, identity: Identity, bindingNamespace: string | undefined): boolean {
  if (subject.kind === 'User') return subject.name === identity.user;
  if (subject.kind === 'Group') return identity.groups.includes(subject.name);
  return identity.user === `system:serviceaccount:${subject.namespace ?? bindingNamespace ?? ''}:${subject.name}`;
}

/**
 * RBAC as kube-apiserver evaluates it (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac): a request is
 * allowed when a RoleBinding in its namespace, or a ClusterRoleBinding, binds one of the identity's
 * subjects to a Role/ClusterRole with a rule that matches; everything else is denied. system:masters is
 * allowed everything.
 */
export class Rbac {
  constructor(
    private readonly documents: readonly RbacDocument[],
    /** Verbs removed from every rule (a test's narrower Role). */
    private readonly deniedVerbs: readonly string[] = [],
  ) {}

  allows(identity: Identity, attributes: ResourceAttributes): boolean {
    if (identity.groups.includes('system:masters')) return true;
    if (this.deniedVerbs.includes(attributes.verb)) return false;
    return this.documents
      .filter(
        (binding) =>
          (binding.kind === 'ClusterRoleBinding' || (binding.kind === 'RoleBinding' && attributes.namespace !== undefined && binding.metadata?.namespace === attributes.namespace)) &&
          (binding.subjects ?? []).some((subject) => subjectMatches(subject, identity, binding.metadata?.namespace)),
      )
      .flatMap((binding) => this.rulesOf(binding))
      .some((rule) => ruleAllows(rule, attributes));
  }

  private rulesOf(binding: RbacDocument): PolicyRule[] {
    const ref = binding.roleRef;
    const role = this.documents.find(
      (document) =>
        document.kind === ref?.kind && document.metadata?.name === ref?.name && (ref?.kind === 'ClusterRole' || document.metadata?.namespace === binding.metadata?.namespace),
    );
    return role?.rules ?? [];
  }
}

/**
 * The RBAC objects and Namespaces in the YAML files of a directory (infra/k8s). `namespace`: the namespace
 * they are applied in, when not the one the files name (`stormgate`): what an operator does for another
 * RR_NAMESPACE.
 */
export function loadRbacDocuments(directory: string, namespace?: string): { documents: RbacDocument[]; namespaces: string[] } {
  const documents = (readYamlDocuments(directory) as RbacDocument[]).map((document) => (namespace === undefined ? document : moveTo(document, namespace)));
  return {
    documents: documents.filter((document) => ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(document.kind ?? '')),
    namespaces: documents.filter((document) => document.kind === 'Namespace').map((document) => document.metadata?.name ?? ''),
  };
}

function moveTo(document: RbacDocument, namespace: string): RbacDocument {
  if (document.kind === 'Namespace') return { ...document, metadata: { ...document.metadata, name: namespace } };
  if (document.metadata?.namespace === undefined) return document;
  return {
    ...document,
    metadata: { ...document.metadata, namespace },
    ...(document.subjects && { subjects: document.subjects.map((subject) => (subject.kind === 'ServiceAccount' ? { ...subject, namespace } : subject)) }),
  };
}

/**
 * The RBAC attributes of a request path (k8s.io/apiserver request.RequestInfoFactory): `/api/v1/…` (the
 * core group) or `/apis/<group>/<version>/…`, then `[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]`;
 * `/api/v1/namespaces/<name>` is the namespace itself. Undefined for a non-resource path (discovery,
 * /version …). The SelfSubject reviews are resources every authenticated user may create (system:basic-user).
 */
export function requestAttributes(method: string, url: URL): ResourceAttributes | undefined {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  let group: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) [group, rest] = ['', segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 4) [group, rest] = [segments[1] ?? '', segments.slice(3)];
  else return undefined;
  const watch = url.searchParams.get('watch') === 'true';
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const [resource = '', name, subresource] = namespaced ? rest.slice(2) : rest;
  const namespace = namespaced ? rest[1] : resource === 'namespaces' ? name : undefined;
  return {
    verb: requestVerb(method, name, watch),
    group,
    resource,
    ...(subresource !== undefined && { subresource }),
    ...(namespace !== undefined && { namespace }),
    ...(name !== undefined && { name }),
  };
}

/** The resource request every authenticated user may make whatever the Roles say: reviewing their own access (system:basic-user). */
export function allowedToAnyAuthenticated(attributes: ResourceAttributes): boolean {
  return attributes.group === 'authorization.k8s.io' && attributes.resource.startsWith('selfsubject') && attributes.verb === 'create';
}

/** A non-resource path anonymous requests may read. */
export const isPublicPath = (pathname: string) => publicPaths.has(pathname);

/** The verb of a request to a resource path (k8s.io/apiserver request.RequestInfoFactory). */
export function requestVerb(method: string, name: string | undefined, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return name === undefined ? (watch ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

/**
 * The 403 message (k8s.io/apiserver endpoints/handlers/responsewriters/errors.go forbiddenMessage,
 * wrapped by apimachinery's NewForbidden as `<resource>.<group> ["<name>"] is forbidden: …`).
 */
export function forbiddenMessage(identity: Identity, attributes: ResourceAttributes): string {
  const resource = attributes.subresource === undefined ? attributes.resource : `${attributes.resource}/${attributes.subresource}`;
  const scope = attributes.namespace === undefined ? 'at the cluster scope' : `in the namespace ${JSON.stringify(attributes.namespace)}`;
  const reason = `User ${JSON.stringify(identity.user)} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.group)} ${scope}`;
  const qualified = attributes.group === '' ? attributes.resource : `${attributes.resource}.${attributes.group}`;
  return attributes.name === undefined ? `${qualified} is forbidden: ${reason}` : `${qualified} ${JSON.stringify(attributes.name)} is forbidden: ${reason}`;
}

/** The 403 of a non-resource path (NewForbidden with no resource: `forbidden: User … cannot get path …`). */
export function forbiddenPathMessage(identity: Identity, method: string, pathname: string): string {
  return `forbidden: User ${JSON.stringify(identity.user)} cannot ${method === 'POST' ? 'post' : 'get'} path ${JSON.stringify(pathname)}`;
}
