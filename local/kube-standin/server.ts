import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { apiVersionOf, builtInDefinitions, loadResourceDefinitions, type ResourceDefinition } from './crd-registry.js';
import { applyJsonPatch, applyMergePatch, PatchError } from './json-patch.js';
import { parseLabelSelector } from './label-selector.js';
import { nameErrors, objectMetaErrors } from './object-meta.js';
import { type FieldError, typeOf, validateAndPrune } from './openapi-schema.js';
import {
  adminIdentity,
  allowedToAnyAuthenticated,
  anonymousIdentity,
  forbiddenMessage,
  forbiddenPathMessage,
  type Identity,
  isPublicPath,
  loadRbacDocuments,
  Rbac,
  requestAttributes,
  type ResourceAttributes,
  stormgateIdentity,
} from './rbac.js';
import { valueAt } from './schema-support.js';
import { failure, type KubeStatus } from './status.js';
import { toTable, wantsTable } from './table.js';

export const defaultCrdDirectory = fileURLToPath(new URL('../../infra/k8s/', import.meta.url));

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

/** A fault the next matching requests meet instead of a normal answer. */
export interface Fault {
  /**
   * HTTP status to answer with (429, 500, 503 …), 'reset' to destroy the connection, 'slow' to answer
   * normally after `delayMs` (the write takes effect only then: a slow create), or 'hang' to hold the
   * request unanswered until the client goes away (the write never takes effect).
   */
  readonly respond: number | 'reset' | 'slow' | 'hang';
  /** Called when a request meets the fault: a test acts at that moment (e.g. kills the client mid-request). */
  readonly onMatch?: () => void;
  readonly delayMs?: number;
  /** How many requests meet it. */
  times: number;
  /** Only requests with these methods (default: every write: POST, PUT, PATCH, DELETE). */
  readonly methods?: readonly string[];
  readonly retryAfterSeconds?: number;
}

/**
 * Random failures: each matching request fails with probability `fraction`, with one of `statuses`. The
 * draws come from a generator seeded with `seed`, so a run's faults can be repeated (the seed is in the
 * test that sets the profile).
 */
export interface FaultProfile {
  readonly fraction: number;
  readonly seed: number;
  readonly statuses: readonly number[];
  readonly methods?: readonly string[];
  readonly retryAfterSeconds?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly status: number;
}

/** A token that authenticates as a cluster administrator (system:masters), for tests that play a human or the controller. */
export const standinAdminToken = 'standin-admin-token';

export interface KubeStandinOptions {
  readonly crdDirectory?: string;
  /** Where the Roles, bindings and Namespaces are read from (default: infra/k8s, with rbac.yaml). */
  readonly rbacDirectory?: string;
  /** The namespace rbac.yaml is applied in when not its own (`stormgate`): the local runtime's RR_NAMESPACE. */
  readonly rbacNamespace?: string;
  /** Namespaces that exist besides those in rbacDirectory and a cluster's own (default, kube-system …). */
  readonly namespaces?: readonly string[];
  /**
   * Bearer token of stormgate's identity (or a check of it); other tokens get 401 and no token at all is
   * system:anonymous (403 for anything but /version and health). Undefined: any request without the admin
   * token is stormgate's identity. Either way RBAC from rbacDirectory decides what it may do.
   */
  readonly token?: string | ((token: string) => boolean);
  /**
   * 'admin': a request without stormgate's token (none, or a kubeconfig's own) is a cluster administrator:
   * the local runtime's kubectl, like `kubectl proxy`.
   */
  readonly anonymous?: 'admin';
  readonly host?: string;
  readonly port?: number;
  /** Delay before every answer, in ms. */
  readonly latencyMs?: number;
  /** Verbs removed from stormgate's Role (RBAC that forbids them): requests and SelfSubjectAccessReviews are denied. */
  readonly deniedVerbs?: readonly string[];
}

/** mulberry32: a small deterministic generator of numbers in [0, 1) (the stand-in's fault draws, tests' seeded choices). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class HttpFailure extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

const writeMethods = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** The namespaces every cluster has. */
const builtInNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A Kubernetes API server stand-in for custom resources: real HTTP, the REST paths client-node and
 * kubectl use, discovery, resourceVersion/uid/creationTimestamp, `Status` failures (404/409/415/422),
 * merge and JSON patch, the status subresource, label selectors, validation and pruning against the
 * CRD schemas in infra/k8s/ (refusing a CRD it cannot enforce), the CEL rule `self == oldSelf`, RBAC
 * from infra/k8s/rbac.yaml, namespaces that must exist, and fault injection.
 */
export class KubeStandin {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: Fault[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly sockets = new Set<Socket>();
  private resourceVersion = 1000;
  private profile: FaultProfile | undefined;
  private draw: () => number = Math.random;
  private outageUntil = 0;
  private readonly namespaces: Set<string>;
  latencyMs: number;

  private constructor(
    private readonly server: Server,
    private readonly definitions: ResourceDefinition[],
    private readonly rbac: Rbac,
    namespaces: readonly string[],
    private readonly options: KubeStandinOptions,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
    this.namespaces = new Set(namespaces);
  }

  static async start(options: KubeStandinOptions = {}): Promise<KubeStandin> {
    const definitions = [...loadResourceDefinitions(options.crdDirectory ?? defaultCrdDirectory), ...builtInDefinitions];
    const rbac = loadRbacDocuments(options.rbacDirectory ?? defaultCrdDirectory, options.rbacNamespace);
    const server = createServer();
    const namespaces = [...builtInNamespaces, ...rbac.namespaces, ...(options.namespaces ?? [])];
    const standin = new KubeStandin(server, definitions, new Rbac(rbac.documents, options.deniedVerbs), namespaces, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void standin.handle(request, response));
    server.on('connection', (socket: Socket) => {
      standin.sockets.add(socket);
      socket.on('close', () => standin.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    return standin;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  /** Creates a namespace (as `kubectl create namespace` would). */
  createNamespace(name: string): void {
    this.namespaces.add(name);
  }

  /** Queue a fault; it applies to the next `times` matching requests. */
  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.profile = undefined;
    this.outageUntil = 0;
  }

  /** Random failures until cleared (e.g. 30% of writes answer 500/503). */
  setFaultProfile(profile: FaultProfile | undefined): void {
    this.profile = profile;
    if (profile) this.draw = seededRandom(profile.seed);
  }

  /** A full outage: every request's connection is reset for `durationMs`. */
  startOutage(durationMs: number): void {
    this.outageUntil = Date.now() + durationMs;
  }

  /** Objects of one resource, optionally one namespace, for assertions. */
  list(plural: string, namespace?: string): KubeObject[] {
    return [...this.objects.values()].filter(
      (object) =>
        this.definitionFor(object)?.plural === plural && (namespace === undefined || object.metadata.namespace === namespace),
    );
  }

  /** Writes seen so far (POST/PUT/PATCH/DELETE) whose path matches. */
  writes(pathPattern: RegExp = /.*/): RecordedRequest[] {
    return this.requests.filter((request) => writeMethods.includes(request.method) && pathPattern.test(request.path));
  }

  reset(): void {
    this.objects.clear();
    this.requests.length = 0;
    this.clearFaults();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private definitionFor(object: KubeObject): ResourceDefinition | undefined {
    return this.definitions.find((definition) => apiVersionOf(definition) === object.apiVersion && definition.kind === object.kind);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://standin');
    const method = request.method ?? 'GET';
    const contentType = request.headers['content-type'];
    const record = (status: number) => this.requests.push({ method, path: url.pathname, contentType, status });
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (Date.now() < this.outageUntil) {
        record(0);
        request.socket.destroy();
        return;
      }
      let fault = this.takeFault(method) ?? this.randomFault(method);
      fault?.onMatch?.();
      if (fault?.respond === 'hang') {
        record(0);
        await new Promise((resolve) => request.socket.once('close', resolve));
        return;
      }
      if (fault?.respond === 'slow') {
        await new Promise((resolve) => setTimeout(resolve, fault?.delayMs ?? 1_000));
        fault = undefined;
      }
      if (fault?.respond === 'reset') {
        record(0);
        request.socket.destroy();
        return;
      }
      if (fault && typeof fault.respond === 'number') {
        const status = failure(fault.respond, fault.respond === 429 ? 'TooManyRequests' : 'InternalError', `injected fault: HTTP ${fault.respond}`);
        record(fault.respond);
        this.send(response, fault.respond, status, fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) });
        return;
      }
      const identity = this.authenticate(request);
      this.authorize(identity, method, url);
      const body = await readBody(request);
      const [status, payload] = this.route(method, url, contentType, body, request.headers.accept, identity);
      record(status);
      this.send(response, status, payload);
    } catch (error) {
      const status = error instanceof HttpFailure ? error.status : failure(500, 'InternalError', (error as Error).message);
      record(status.code);
      this.send(response, status.code, status);
    }
  }

  private takeFault(method: string): Fault | undefined {
    const fault = this.faults.find((candidate) => (candidate.methods ?? writeMethods).includes(method));
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  private randomFault(method: string): Fault | undefined {
    const profile = this.profile;
    if (!profile || !(profile.methods ?? writeMethods).includes(method) || this.draw() >= profile.fraction) return undefined;
    const respond = profile.statuses[Math.floor(this.draw() * profile.statuses.length)] ?? 500;
    return { respond, times: 1, ...(profile.retryAfterSeconds !== undefined && { retryAfterSeconds: profile.retryAfterSeconds }) };
  }

  /** Who the request is: the admin token, stormgate's token, no credentials, or (with `anonymous: 'admin'`) anything else. */
  private authenticate(request: IncomingMessage): Identity {
    const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (presented === standinAdminToken) return adminIdentity;
    const { token, anonymous } = this.options;
    const valid = token === undefined ? !(anonymous === 'admin' && presented === undefined) : presented !== undefined && (typeof token === 'string' ? presented === token : token(presented));
    if (valid) return stormgateIdentity;
    if (anonymous === 'admin') return adminIdentity;
    if (presented === undefined) return anonymousIdentity;
    throw new HttpFailure(failure(401, 'Unauthorized', 'Unauthorized'));
  }

  /** RBAC, before anything is read or routed: a resource request the identity's Roles do not grant gets 403. */
  private authorize(identity: Identity, method: string, url: URL): void {
    const attributes = requestAttributes(method, url);
    const authenticated = identity !== anonymousIdentity;
    if (attributes === undefined) {
      if (authenticated || isPublicPath(url.pathname)) return;
      throw new HttpFailure(failure(403, 'Forbidden', forbiddenPathMessage(identity, method, url.pathname), {}));
    }
    if ((authenticated && allowedToAnyAuthenticated(attributes)) || this.rbac.allows(identity, attributes)) return;
    throw new HttpFailure(
      failure(403, 'Forbidden', forbiddenMessage(identity, attributes), {
        ...(attributes.name !== undefined && { name: attributes.name }),
        ...(attributes.group !== '' && { group: attributes.group }),
        kind: attributes.resource,
      }),
    );
  }

  private send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(payload));
  }

  private route(method: string, url: URL, contentType: string | undefined, body: string, accept: string | undefined, identity: Identity): [number, unknown] {
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    if (method === 'GET' && url.pathname === '/version') {
      return [200, { major: '1', minor: '32', gitVersion: 'v1.32.0-stormgate-standin', platform: 'linux/amd64' }];
    }
    if (method === 'GET' && url.pathname === '/healthz') return [200, 'ok'];
    if (method === 'GET' && url.pathname === '/api') return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }];
    if (method === 'GET' && url.pathname === '/api/v1') {
      const core = this.resourceList('', 'v1');
      return [200, { ...core, resources: [...core.resources, { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['list', 'get'] }] }];
    }
    // kubectl describe lists events of the object; the stand-in records none.
    if (method === 'GET' && /^\/api\/v1\/(namespaces\/[^/]+\/)?events$/.test(url.pathname)) {
      return [200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: String(this.resourceVersion) }, items: [] }];
    }
    if (method === 'GET' && url.pathname === '/apis') return [200, this.groupList()];
    if (method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      const review = parseJson(body) as { spec?: { resourceAttributes?: Partial<ResourceAttributes> } };
      const asked = review.spec?.resourceAttributes ?? {};
      const attributes: ResourceAttributes = {
        verb: asked.verb ?? '',
        group: asked.group ?? '',
        resource: asked.resource ?? '',
        ...(asked.subresource && { subresource: asked.subresource }),
        ...(asked.namespace && { namespace: asked.namespace }),
        ...(asked.name && { name: asked.name }),
      };
      return [201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: review.spec ?? {}, status: { allowed: this.rbac.allows(identity, attributes) } }];
    }
    // The core group is served under /api/v1 (its group is ''), the others under /apis/<group>/<version>.
    const core = segments[0] === 'api' && segments[1] === 'v1' && segments.length > 2;
    if (!core && (segments[0] !== 'apis' || segments.length < 3)) throw notFound(url.pathname);

    const [group, version, ...rest] = (core ? ['', ...segments.slice(1)] : segments.slice(1)) as [string, string, ...string[]];
    if (rest.length === 0 && method === 'GET') return [200, this.resourceList(group, version)];
    const namespaced = rest[0] === 'namespaces';
    const namespace = namespaced ? rest[1] : undefined;
    const [plural, name, subresource] = namespaced ? rest.slice(2) : rest;
    const definition = this.definitions.find((candidate) => candidate.group === group && candidate.version === version && candidate.plural === plural);
    if (!definition || (namespaced && namespace === undefined)) throw notFound(url.pathname);
    if (subresource !== undefined && !(subresource === 'status' && definition.statusSubresource)) throw notFound(url.pathname);

    if (name === undefined) {
      if (method === 'GET') {
        const list = this.listObjects(definition, namespace, url.searchParams.get('labelSelector'));
        return [200, wantsTable(accept) ? toTable(definition, list.items, list.metadata.resourceVersion) : list];
      }
      if (method === 'POST' && namespace !== undefined) return [201, this.create(definition, namespace, parseJson(body), url.searchParams.get('fieldValidation'))];
      throw methodNotAllowed(method);
    }
    if (namespace === undefined) throw notFound(url.pathname);
    const key = objectKey(definition, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) throw new HttpFailure(failure(404, 'NotFound', `${definition.plural}.${definition.group} "${name}" not found`, { name, group: definition.group, kind: definition.plural }));
    switch (method) {
      case 'GET':
        return [200, wantsTable(accept) && subresource === undefined ? toTable(definition, [existing], String(this.resourceVersion)) : existing];
      case 'DELETE':
        this.objects.delete(key);
        return [200, existing];
      case 'PUT': {
        // An update (unlike a patch) must say which version it replaces (unconditional updates are off for custom resources).
        const replacement = parseJson(body) as KubeObject;
        if (typeof replacement?.metadata?.resourceVersion !== 'string' || replacement.metadata.resourceVersion === '') {
          // k8s.io/apiserver registry/generic/registry/store.go Update: the error names the resource, not the Kind.
          throw invalid(definition, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }], definition.plural);
        }
        return [200, this.update(definition, existing, replacement, subresource === 'status')];
      }
      case 'PATCH':
        return [200, this.update(definition, existing, patch(existing, contentType, body), subresource === 'status')];
      default:
        throw methodNotAllowed(method);
    }
  }

  private groupList() {
    const groups = [...new Set(this.definitions.map((definition) => definition.group))].filter((group) => group !== '');
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => {
        const versions = this.definitions
          .filter((definition) => definition.group === name)
          .map((definition) => ({ groupVersion: `${name}/${definition.version}`, version: definition.version }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    };
  }

  private resourceList(group: string, version: string) {
    const definitions = this.definitions.filter((definition) => definition.group === group && definition.version === version);
    if (definitions.length === 0) throw notFound(`/apis/${group}/${version}`);
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: apiVersionOf({ group, version }),
      resources: definitions.flatMap((definition) => [
        {
          name: definition.plural,
          singularName: definition.singular,
          namespaced: definition.namespaced,
          kind: definition.kind,
          verbs: ['delete', 'get', 'list', 'patch', 'create', 'update'],
          shortNames: definition.shortNames,
          categories: definition.categories,
        },
        ...(definition.statusSubresource
          ? [{ name: `${definition.plural}/status`, singularName: '', namespaced: definition.namespaced, kind: definition.kind, verbs: ['get', 'patch', 'update'] }]
          : []),
      ]),
    };
  }

  private listObjects(definition: ResourceDefinition, namespace: string | undefined, labelSelector: string | null) {
    let matches;
    try {
      matches = parseLabelSelector(labelSelector);
    } catch (error) {
      throw new HttpFailure(failure(400, 'BadRequest', (error as Error).message));
    }
    const items = this.list(definition.plural, namespace).filter((object) => matches(object.metadata.labels ?? {}));
    return {
      apiVersion: apiVersionOf(definition),
      kind: definition.listKind,
      metadata: { resourceVersion: String(this.resourceVersion) },
      items,
    };
  }

  private create(definition: ResourceDefinition, namespace: string, body: unknown, fieldValidation: string | null = null): KubeObject {
    const object = structuredClone(body) as KubeObject;
    const apiVersion = apiVersionOf(definition);
    if (typeof object !== 'object' || object === null || object.kind !== definition.kind || object.apiVersion !== apiVersion) {
      throw new HttpFailure(failure(400, 'BadRequest', `the API version in the data (${String(object?.apiVersion)}) or kind (${String(object?.kind)}) does not match the expected ${apiVersion} ${definition.kind}`));
    }
    // The NamespaceLifecycle admission plugin (admission runs before validation): no object in a namespace that does not exist.
    if (!this.namespaces.has(namespace)) {
      throw new HttpFailure(failure(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }));
    }
    const name = object.metadata?.name;
    if (typeof name !== 'string' || name.length === 0) {
      throw invalid(definition, String(name), [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    const metaErrors = [...nameErrors(name), ...objectMetaErrors(object.metadata)];
    if (metaErrors.length > 0) throw invalid(definition, name, metaErrors);
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
      throw new HttpFailure(failure(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    }
    const key = objectKey(definition, namespace, name);
    if (this.objects.has(key)) {
      throw new HttpFailure(failure(409, 'AlreadyExists', `${definition.plural}.${definition.group} "${name}" already exists`, { name, group: definition.group, kind: definition.plural }));
    }
    // With a status subresource, create ignores status: it is written through /status only.
    if (definition.statusSubresource) delete object.status;
    this.validate(definition, object, name, fieldValidation === 'Strict');
    object.metadata = {
      ...object.metadata,
      namespace,
      uid: randomUUID(),
      resourceVersion: this.nextResourceVersion(),
      generation: 1,
      creationTimestamp: now(),
    };
    store(this.objects, key, object);
    return object;
  }

  private update(definition: ResourceDefinition, existing: KubeObject, incoming: KubeObject, statusOnly: boolean): KubeObject {
    const name = existing.metadata.name;
    if (typeof incoming !== 'object' || incoming === null) throw new HttpFailure(failure(400, 'BadRequest', 'body must be an object'));
    const expectedVersion = incoming.metadata?.resourceVersion;
    if (expectedVersion !== undefined && expectedVersion !== existing.metadata.resourceVersion) {
      throw new HttpFailure(failure(409, 'Conflict', `Operation cannot be fulfilled on ${definition.plural}.${definition.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: definition.group, kind: definition.plural }));
    }
    const candidate: KubeObject = statusOnly
      ? { ...structuredClone(existing), status: structuredClone(incoming.status) }
      : {
          ...structuredClone(incoming),
          metadata: { ...incoming.metadata, ...pick(existing.metadata, ['name', 'namespace', 'uid', 'creationTimestamp', 'generation']) },
          ...(definition.statusSubresource && { status: structuredClone(existing.status) }),
        };
    if (candidate.status === undefined) delete candidate.status;
    const metaErrors = objectMetaErrors(candidate.metadata);
    if (metaErrors.length > 0) throw invalid(definition, name, metaErrors);
    this.validate(definition, candidate, name);
    this.enforceTransitionRules(definition, existing, candidate);
    if (!statusOnly && JSON.stringify(candidate.spec) !== JSON.stringify(existing.spec)) {
      candidate.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    candidate.metadata.resourceVersion = this.nextResourceVersion();
    store(this.objects, objectKey(definition, existing.metadata.namespace ?? '', name), candidate);
    return candidate;
  }

  /** The CEL transition rules (`self == oldSelf`): a transition rule is evaluated only where the old object has the value. */
  private enforceTransitionRules(definition: ResourceDefinition, existing: KubeObject, candidate: KubeObject): void {
    // A transition rule runs only where both the old and the new object have the value: removing an optional field is allowed.
    const broken = definition.transitionRules.filter((rule) => {
      const [before, after] = [valueAt(existing, rule.path), valueAt(candidate, rule.path)];
      return before !== undefined && after !== undefined && JSON.stringify(before) !== JSON.stringify(after);
    });
    if (broken.length > 0) {
      throw invalid(
        definition,
        existing.metadata.name,
        broken.map((rule) => ({ reason: 'FieldValueInvalid', field: rule.path.join('.'), message: `Invalid value: "${typeOf(valueAt(candidate, rule.path))}": ${rule.message}` })),
      );
    }
  }

  /** Validates and prunes; with fieldValidation=Strict, unknown fields are an error instead (400). */
  private validate(definition: ResourceDefinition, object: KubeObject, name: string, strict = false): void {
    // metadata is `type: object` without properties in a CRD schema, so validation never prunes it.
    const pruned: string[] = [];
    const errors = validateAndPrune(definition.schema, object, '', [], pruned).map((error) => ({ ...error, field: error.field.replace(/^\./, '') }));
    if (strict && pruned.length > 0) {
      throw new HttpFailure(failure(400, 'BadRequest', `strict decoding error: ${pruned.map((field) => `unknown field "${field}"`).join(', ')}`));
    }
    if (errors.length > 0) throw invalid(definition, name, errors);
  }

  private nextResourceVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }
}

function objectKey(definition: ResourceDefinition, namespace: string, name: string): string {
  return `${definition.group}/${definition.plural}/${namespace}/${name}`;
}

function pick<T extends object>(source: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]])) as Partial<T>;
}

function notFound(path: string): HttpFailure {
  return new HttpFailure(failure(404, 'NotFound', `the server could not find the requested resource (${path})`));
}

function methodNotAllowed(method: string): HttpFailure {
  return new HttpFailure(failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`));
}

/**
 * 422 Invalid (apimachinery NewInvalid: one cause as it is, several as `[a, b]`). `kind` is the Kind for
 * validation errors, the resource plural for the registry's own (an update without resourceVersion).
 */
function invalid(definition: ResourceDefinition, name: string, causes: FieldError[], kind: string = definition.kind): HttpFailure {
  const messages = causes.map((cause) => `${cause.field}: ${cause.message}`);
  const summary = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  return new HttpFailure(failure(422, 'Invalid', `${kind}.${definition.group} "${name}" is invalid: ${summary}`, { name, group: definition.group, kind, causes }));
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new HttpFailure(failure(400, 'BadRequest', `invalid JSON body: ${(error as Error).message}`));
  }
}

function patch(existing: KubeObject, contentType: string | undefined, body: string): KubeObject {
  const type = (contentType ?? '').split(';')[0]?.trim();
  try {
    if (type === 'application/merge-patch+json') return applyMergePatch(existing, parseJson(body)) as KubeObject;
    if (type === 'application/json-patch+json') return applyJsonPatch(existing, parseJson(body)) as KubeObject;
  } catch (error) {
    if (error instanceof PatchError) throw new HttpFailure(failure(422, 'Invalid', error.message));
    throw error;
  }
  throw new HttpFailure(failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
}

/** The API server's limit on a request body (apiserver's MaxRequestBodyBytes, 3 MiB). */
export const maxRequestBodyBytes = 3 * 1024 * 1024;
/**
 * etcd's default --max-request-bytes (1.5 MiB). A custom resource is stored as JSON; a larger one is
 * refused by etcd and the API server answers 500 without a reason (kubernetes/kubernetes#74600, #112152):
 * a client that retries 5xx retries it for ever.
 */
export const etcdMaxRequestBytes = 1.5 * 1024 * 1024;

function store(objects: Map<string, KubeObject>, key: string, object: KubeObject): void {
  if (Buffer.byteLength(JSON.stringify(object)) > etcdMaxRequestBytes) throw new HttpFailure(failure(500, '', 'etcdserver: request is too large'));
  objects.set(key, object);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxRequestBodyBytes) throw new HttpFailure(failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxRequestBodyBytes}`));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
