import { KubeWriteError } from '../lib/errors.js';
import { redisClient } from '../lib/runtime/clients.js';
import { remediationWriter } from '../lib/runtime/kube.js';

/** Where the runtime's dependencies are, as the user configured them: for messages that name them. */
export interface Dependencies {
  readonly redis: string;
  readonly kubernetes: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Before `npm start` says it is up: Redis answers, and the Kubernetes API answers, accepts the credentials,
 * serves the RemediationRequest CRD and lets this identity create requests and patch their status. A 202
 * from a runtime that cannot write would be a promise it cannot keep.
 */
export async function checkDependencies(where: Dependencies): Promise<void> {
  try {
    await redisClient().ping();
  } catch (error) {
    throw new Error(`Redis at ${where.redis} is not reachable (${messageOf(error)}): start it, or set REDIS_URL or REDIS_CLUSTER_NODES to one that runs`, { cause: error });
  }
  try {
    await remediationWriter().checkAccess();
  } catch (error) {
    const unanswered = !(error instanceof KubeWriteError) || (error.retryable && error.statusCode === undefined);
    throw new Error(
      `Kubernetes API at ${where.kubernetes} is not usable: ${messageOf(error)}${unanswered ? ' (it did not answer: check that the cluster runs and that the server URL is right)' : ''}`,
      { cause: error },
    );
  }
}
