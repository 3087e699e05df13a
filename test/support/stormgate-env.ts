/** Variables stormgate and the local runtime read; cleared between test files that share a jest worker. */
const stormgateVariables = [
  'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_PASSWORD', 'REDIS_TLS', 'KUBECONFIG', 'KUBE_API_URL', 'KUBE_TOKEN',
  'AUTH_TOKENS', 'AWS_ENDPOINT_URL_LAMBDA', 'PORT', 'RR_NAMESPACE', 'CLUSTER_ID', 'MAX_BODY_BYTES',
  'FINGERPRINT_STRATEGY', 'MAX_ALERTS_PER_REQUEST', 'MAX_LABELS_PER_ALERT', 'MAX_LABEL_VALUE_LENGTH',
  'MAX_ANNOTATION_VALUE_LENGTH', 'TENANT_RATE_ALERTS_PER_SECOND', 'TENANT_RATE_BURST', 'DEDUP_CLOSED_TTL_SECONDS',
  'HA_REDELIVERY_WINDOW_SECONDS', 'DEDUP_IDLE_TTL_SECONDS',
];

/** A copy of `env` without any stormgate variable, for child processes that must configure themselves. */
export function withoutStormgateVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of stormgateVariables) delete copy[name];
  return copy;
}

/** Replaces stormgate's environment with exactly `variables`. */
export function useStormgateEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  for (const name of stormgateVariables) delete process.env[name];
  Object.assign(process.env, variables);
  return process.env;
}
