import {
  ApiException,
  type ConfigurationOptions,
  type CustomObjectsApi,
  Observable,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { z } from 'zod';
import { KubeWriteError } from '../errors.js';
import {
  type RemediationRequest,
  type RemediationRequestStatus,
  remediationRequestResource,
} from './remediation-request.js';

const kubeStatusSchema = z.object({ reason: z.string().optional(), message: z.string().optional() });

/** Per-call timeout and, for patches, the patch content type (the client defaults to json-patch). */
function callOptions(timeoutMs: number, contentType?: string): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      if (contentType !== undefined) request.setHeaderParam('Content-Type', contentType);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = kubeStatusSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.message : undefined;
  } catch {
    return undefined;
  }
}

/** 429 and 5xx, timeouts and connection errors are worth retrying; any other answer is final. */
function toKubeWriteError(operation: string, error: unknown): KubeWriteError {
  if (error instanceof ApiException) {
    const code = error.code;
    const detail = statusMessage(error.body) ?? `HTTP ${code}`;
    return new KubeWriteError(`kubernetes ${operation} failed: ${detail}`, code, code === 429 || code >= 500, {
      cause: error,
    });
  }
  return new KubeWriteError(`kubernetes ${operation} failed: ${(error as Error).message}`, undefined, true, {
    cause: error,
  });
}

export type CreateResult = 'created' | 'already-exists';
export type PatchResult = 'patched' | 'not-found';

/** Writes RemediationRequests into one namespace. */
export class RemediationRequestWriter {
  constructor(
    private readonly api: CustomObjectsApi,
    private readonly namespace: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** Creates the request; AlreadyExists means an earlier attempt (or a concurrent one) won: success. */
  async create(request: RemediationRequest): Promise<CreateResult> {
    try {
      await this.api.createNamespacedCustomObject(
        { ...this.resource(), body: request },
        callOptions(this.timeoutMs),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return 'already-exists';
      throw toKubeWriteError(`create ${request.metadata.name}`, error);
    }
  }

  /** Merge-patches the status subresource (stormgate's own fields only). */
  async patchStatus(name: string, status: RemediationRequestStatus): Promise<PatchResult> {
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        { ...this.resource(), name, body: { status } },
        callOptions(this.timeoutMs, 'application/merge-patch+json'),
      );
      return 'patched';
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return 'not-found';
      throw toKubeWriteError(`patch status of ${name}`, error);
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
