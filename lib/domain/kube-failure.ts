/** What a failed Kubernetes call was: worth retrying, or a configuration to fix (with what to fix). */
export interface KubeFailureVerdict {
  readonly retryable: boolean;
  /** For a configuration error: what to fix, in words an operator can act on. */
  readonly fix?: string;
}

export interface KubeFailure {
  /** The HTTP status the API server answered, when it answered. */
  readonly status?: number;
  /** The Node.js error code of a failure without an answer (ECONNRESET, CERT_HAS_EXPIRED …). */
  readonly code?: string;
  readonly message: string;
  /** create and list name a collection: a 404 there means the CRD (or the namespace) is missing. */
  readonly operation: 'create' | 'list' | 'read' | 'patch';
}

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Pure: 429, 5xx, a conflict, timeouts and dropped connections are transient; an answer that no retry
 * can change (401, 403, a missing CRD, an untrusted certificate, a refused plain-http URL) is terminal
 * and names its fix, so it is reported as what it is instead of retried and opening the circuit.
 */
export function classifyKubeFailure(failure: KubeFailure): KubeFailureVerdict {
  const { status } = failure;
  if (status !== undefined) {
    if (status === 409 || status === 429 || status >= 500) return { retryable: true };
    if (status === 401) return { retryable: false, fix: 'the API server rejected the credentials: check the kubeconfig user or KUBE_TOKEN, or the EKS access entry of the function role' };
    if (status === 403) return { retryable: false, fix: 'RBAC forbids it: apply infra/k8s/rbac.yaml in RR_NAMESPACE and bind the identity (group stormgate-writers or ServiceAccount stormgate)' };
    if (status === 404 && (failure.operation === 'create' || failure.operation === 'list')) {
      return { retryable: false, fix: 'the RemediationRequest CRD or the namespace is missing: kubectl apply -f infra/k8s/ and create the RR_NAMESPACE namespace' };
    }
    return { retryable: false };
  }
  if ((failure.code !== undefined && tlsCodes.has(failure.code)) || /certificate/i.test(failure.message)) {
    return { retryable: false, fix: "the API server's TLS certificate is not trusted: put its CA in the kubeconfig (certificate-authority-data) or KUBE_CA_DATA" };
  }
  if (/HTTP protocol is not allowed|Invalid URL/i.test(failure.message)) {
    return { retryable: false, fix: 'the API server URL cannot be used: check the server in the kubeconfig or KUBE_API_URL' };
  }
  return { retryable: true };
}
