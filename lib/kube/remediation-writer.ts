import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { KubeWriteError } from '../errors.js';
import type { KubeClient } from './client.js';
import { KubeGuard } from './kube-guard.js';
import type { FoundRequest } from '../domain/adoption.js';
import { classifyKubeFailure, type KubeFailure } from '../domain/kube-failure.js';
import { decideStatusWrite, type RequestStatus, requestStatusSchema } from '../domain/request-status.js';
import { fingerprintLabel, type RemediationRequest, remediationRequestResource } from './remediation-request.js';
import { remediationPhases, reviewClearedLabel } from '../domain/remediation-gate.js';
import { unixSeconds } from '../domain/time.js';
import { addMetric } from '../telemetry/metrics.js';
import { parseJsonAs } from '../validation/parse-json.js';

const kubeStatusSchema = z.object({ reason: z.optional(z.string()), message: z.optional(z.string()) });

function statusMessage(body: unknown): string | undefined {
  return typeof body === 'string' ? parseJsonAs(kubeStatusSchema, body)?.message : undefined;
}

function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The Node.js error code of a failure without an answer, wherever fetch put it. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A failed call as a KubeWriteError, classified (lib/domain/kube-failure.ts): transient, or what to fix. */
function toKubeWriteError(client: KubeClient, operation: string, kind: KubeFailure['operation'], error: unknown): KubeWriteError {
  const answer = client.apiFailure(error);
  if (answer !== undefined) {
    const code = answer.code;
    const detail = statusMessage(answer.body) ?? `HTTP ${code}`;
    const wait = retryAfterMs(answer.headers);
    const verdict = classifyKubeFailure({ status: code, message: detail, operation: kind });
    return new KubeWriteError(`kubernetes ${operation} failed: ${detail}${verdict.fix ? ` (${verdict.fix})` : ''}`, code, verdict.retryable, {
      cause: error,
      ...(wait !== undefined && { retryAfterMs: wait }),
    });
  }
  const message = (error as Error).message;
  const code = errorCode(error);
  const cause = (error as Error).cause;
  const causeMessage = cause instanceof Error ? cause.message : '';
  const verdict = classifyKubeFailure({ ...(code !== undefined && { code }), message: `${message} ${causeMessage}`, operation: kind });
  return new KubeWriteError(`kubernetes ${operation} failed: ${message}${verdict.fix ? ` (${verdict.fix})` : ''}`, undefined, verdict.retryable, {
    cause: error,
  });
}

export type CreateResult = 'created' | 'already-exists';

/** What a write learned of the request: its version and stormgate's status in it (a later write need not read it). */
export interface KnownRequest {
  readonly resourceVersion: string;
  readonly status: RequestStatus | undefined;
}
/**
 * written: the status moved forward; marked-resolved: this write moved the request to Resolved (so it is
 * counted once, whoever retries); current: it already showed as much or more; resolved: Firing was asked
 * for but the request already shows Resolved (counts may still have been written); not-found: no such
 * request.
 */
export type StatusWriteResult = 'written' | 'marked-resolved' | 'current' | 'resolved' | 'not-found';

const objectSchema = z.object({
  metadata: z.object({ name: z.string(), resourceVersion: z.optional(z.string()), labels: z.optional(z.record(z.string(), z.string())) }),
  status: z.optional(z.unknown()),
});
/** The remediation controller's part of status (the CRD's contract); anything else reads as no phase. */
const controllerStatusSchema = z.object({ phase: z.optional(z.enum(remediationPhases)), completedAt: z.optional(z.iso.datetime({ offset: true })) });
const listSchema = z.object({ items: z.array(objectSchema) });

function ownStatus(status: unknown): RequestStatus | undefined {
  const parsed = requestStatusSchema.safeParse(status);
  return parsed.success ? parsed.data : undefined;
}

// Optimistic concurrency: a status write that meets a newer resourceVersion reads again, this often.
const maxConflictRetries = 8;

/**
 * Writes RemediationRequests into one namespace, through the process's KubeGuard (retries and breaker).
 * Status writes are guarded: read the request, merge so that nothing moves backwards
 * (lib/domain/request-status.ts), and patch with the read resourceVersion, so that a concurrent writer's
 * newer state is never overwritten by an older one.
 */
export class RemediationRequestWriter {
  /** The client, asked for at each call: one that failed to be made is made again (lib/runtime/kube.ts). */
  private readonly clientOf: () => Promise<KubeClient>;

  constructor(
    client: KubeClient | (() => Promise<KubeClient>),
    private readonly namespace: string,
    private readonly guard: KubeGuard = new KubeGuard(),
    private readonly timeoutMs = 5_000,
  ) {
    this.clientOf = typeof client === 'function' ? client : () => Promise.resolve(client);
  }

  /**
   * Creates the request; AlreadyExists means an earlier attempt (or a concurrent one) won: success. A
   * created request comes back with its version, so that the first status write needs no read.
   */
  async create(request: RemediationRequest): Promise<{ readonly result: CreateResult; readonly known?: KnownRequest }> {
    const client = await this.clientOf();
    return this.guard.run(`create ${request.metadata.name}`, async () => {
      try {
        const created = objectSchema.safeParse(await client.api.createNamespacedCustomObject({ ...this.resource(), body: request }, client.callOptions(this.timeoutMs)));
        const resourceVersion = created.success ? created.data.metadata.resourceVersion : undefined;
        addMetric('RequestsCreated', 1);
        return { result: 'created' as const, ...(resourceVersion !== undefined && { known: { resourceVersion, status: undefined } }) };
      } catch (error) {
        if (client.apiFailure(error)?.code === 409) return { result: 'already-exists' as const };
        throw toKubeWriteError(client, `create ${request.metadata.name}`, 'create', error);
      }
    });
  }

  /** Requests matching a label selector (lost state: is there already a request for this episode or storm?). */
  async find(labelSelector: string): Promise<FoundRequest[]> {
    const client = await this.clientOf();
    return this.guard.run(`list ${labelSelector}`, async () => {
      try {
        const list = listSchema.parse(await client.api.listNamespacedCustomObject({ ...this.resource(), labelSelector }, client.callOptions(this.timeoutMs)));
        return list.items.map((item) => {
          const controller = controllerStatusSchema.safeParse(item.status);
          const { phase, completedAt } = controller.success ? controller.data : {};
          const fingerprint = item.metadata.labels?.[fingerprintLabel];
          return {
            name: item.metadata.name,
            resolved: ownStatus(item.status)?.signal?.state === 'Resolved',
            ...(fingerprint !== undefined && { fingerprint }),
            ...(phase !== undefined && { phase }),
            ...(completedAt !== undefined && { completedAt: unixSeconds(completedAt) }),
            reviewCleared: item.metadata.labels?.[reviewClearedLabel] === 'true',
          };
        });
      } catch (error) {
        throw toKubeWriteError(client, `list ${labelSelector}`, 'list', error);
      }
    });
  }

  /**
   * Moves stormgate's part of the request's status forward to `desired` (never backwards). `known`: the
   * request as a write just left it (skips the first read; a conflict means it changed, and is re-read).
   */
  async writeStatus(name: string, desired: RequestStatus, known?: KnownRequest): Promise<StatusWriteResult> {
    const client = await this.clientOf();
    return this.guard.run(`write status of ${name}`, async () => {
      let current = known;
      for (let attempt = 1; ; attempt += 1) {
        if (current === undefined) {
          try {
            const read = objectSchema.parse(await client.api.getNamespacedCustomObject({ ...this.resource(), name }, client.callOptions(this.timeoutMs)));
            current = { resourceVersion: read.metadata.resourceVersion ?? '', status: ownStatus(read.status) };
          } catch (error) {
            if (client.apiFailure(error)?.code === 404) return 'not-found';
            throw toKubeWriteError(client, `read ${name}`, 'read', error);
          }
        }
        const decision = decideStatusWrite(current.status, desired);
        const refusedFiring = desired.signal?.state === 'Firing' && current.status?.signal?.state === 'Resolved';
        if (decision.action === 'skip') return refusedFiring ? 'resolved' : 'current';
        try {
          await client.api.patchNamespacedCustomObjectStatus(
            { ...this.resource(), name, body: { metadata: { resourceVersion: current.resourceVersion }, status: decision.status } },
            client.callOptions(this.timeoutMs, 'application/merge-patch+json'),
          );
          if (refusedFiring) return 'resolved';
          if (desired.signal?.state === 'Resolved' && current.status?.signal?.state !== 'Resolved') {
            addMetric('RequestsResolved', 1);
            return 'marked-resolved';
          }
          return 'written';
        } catch (error) {
          if (client.apiFailure(error)?.code === 404) return 'not-found';
          if (client.apiFailure(error)?.code === 409 && attempt < maxConflictRetries) {
            current = undefined;
            continue;
          }
          throw toKubeWriteError(client, `patch status of ${name}`, 'patch', error);
        }
      }
    });
  }

  /**
   * The start-up check: the API answers, accepts the credentials, serves the RemediationRequest CRD in the
   * namespace, and lets this identity create requests and patch their status (SelfSubjectAccessReviews).
   * Throws a KubeWriteError that names what to fix.
   */
  async checkAccess(): Promise<void> {
    const client = await this.clientOf();
    const resource = this.resource();
    try {
      await client.api.listNamespacedCustomObject({ ...resource, limit: 1 }, client.callOptions(this.timeoutMs));
    } catch (error) {
      throw toKubeWriteError(client, `list ${resource.plural} in ${resource.namespace}`, 'list', error);
    }
    for (const [verb, subresource] of [['create', undefined], ['patch', 'status']] as const) {
      let allowed: boolean | undefined;
      try {
        const review = await client.authorization.createSelfSubjectAccessReview(
          { body: { spec: { resourceAttributes: { namespace: resource.namespace, verb, group: resource.group, resource: resource.plural, ...(subresource && { subresource }) } } } },
          client.callOptions(this.timeoutMs),
        );
        allowed = review.status?.allowed;
      } catch (error) {
        throw toKubeWriteError(client, `review access to ${verb} ${resource.plural}`, 'create', error);
      }
      if (allowed !== true) {
        const what = `${verb} ${resource.plural}${subresource ? `/${subresource}` : ''} in ${resource.namespace}`;
        const verdict = classifyKubeFailure({ status: 403, message: what, operation: 'create' });
        throw new KubeWriteError(`kubernetes: this identity may not ${what} (${verdict.fix ?? 'check RBAC'})`, 403, false);
      }
    }
  }

  private resource() {
    return {
      group: remediationRequestResource.group,
      version: remediationRequestResource.version,
      namespace: this.namespace,
      plural: remediationRequestResource.plural,
    };
  }
}
