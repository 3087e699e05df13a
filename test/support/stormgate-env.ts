/** Variables stormgate and the local runtime read; cleared between test files that share a jest worker. */
const stormgateVariables = [
  'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_PASSWORD', 'REDIS_TLS', 'KUBECONFIG', 'KUBE_API_URL', 'KUBE_TOKEN',
  'AUTH_TOKENS', 'AWS_ENDPOINT_URL_LAMBDA', 'PORT', 'RR_NAMESPACE', 'CLUSTER_ID', 'MAX_BODY_BYTES',
];

/** Replaces stormgate's environment with exactly `variables` (plus the quiet log level). */
export function useStormgateEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  for (const name of stormgateVariables) delete process.env[name];
  Object.assign(process.env, variables);
  return process.env;
}
