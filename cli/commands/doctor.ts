import { redisClient, runtimeConfig } from '../../lib/runtime/clients.js';
import { remediationWriter } from '../../lib/runtime/kube.js';
import { type Command, endpointOf, exitCodes, UsageError } from '../command.js';

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about it, when it is not ok. */
  readonly fix?: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function configuration(): Promise<Check> {
  try {
    const config = runtimeConfig();
    return { name: 'configuration', ok: true, detail: `valid (requests in namespace ${config.namespace})` };
  } catch (error) {
    return { name: 'configuration', ok: false, detail: messageOf(error), fix: 'set the variable as the README\'s Configuration table says' };
  }
}

async function redisChecks(): Promise<Check[]> {
  let client;
  try {
    client = redisClient();
    await client.ping();
  } catch (error) {
    return [{ name: 'redis', ok: false, detail: `not reachable: ${messageOf(error)}`, fix: 'start it, or set REDIS_URL / REDIS_CLUSTER_NODES (and REDIS_PASSWORD, REDIS_TLS) to one that runs' }];
  }
  const nodes = 'nodes' in client ? client.nodes('master') : [client];
  const policies = await Promise.all(nodes.map(async (node) => /^maxmemory_policy:(.*)$/m.exec(await node.info('memory'))?.[1]?.trim() ?? 'unknown'));
  const evicting = policies.filter((policy) => policy !== 'noeviction');
  return [
    { name: 'redis', ok: true, detail: `reachable (${nodes.length} master${nodes.length === 1 ? '' : 's'})` },
    evicting.length === 0
      ? { name: 'redis eviction', ok: true, detail: 'maxmemory-policy noeviction: a full cache refuses writes (503), it never forgets' }
      : {
          name: 'redis eviction',
          ok: false,
          detail: `maxmemory-policy ${[...new Set(evicting)].join(', ')}: at its limit it silently drops open episodes and storms`,
          fix: 'set maxmemory-policy noeviction (README: "Redis: a full cache refuses, it never forgets")',
        },
  ];
}

async function kubernetesCheck(): Promise<Check> {
  try {
    await remediationWriter().checkAccess();
    return { name: 'kubernetes', ok: true, detail: 'API answers, credentials accepted, RemediationRequest CRD served, create and patch status allowed (SelfSubjectAccessReview)' };
  } catch (error) {
    return { name: 'kubernetes', ok: false, detail: messageOf(error), fix: 'the message names it: the server URL, the credentials, the CRD (kubectl apply -f infra/k8s/) or RBAC (infra/k8s/rbac.yaml)' };
  }
}

async function endpointChecks(base: string, token: string | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  const health = await fetch(`${base}/healthz`).then((response) => response.status, (error: unknown) => messageOf((error as { cause?: unknown }).cause ?? error));
  checks.push(
    health === 200
      ? { name: 'endpoint', ok: true, detail: `${base}/healthz answers 200` }
      : { name: 'endpoint', ok: false, detail: `${base}/healthz answered ${String(health)}`, fix: 'check the URL (the stack output WebhookUrl, or what npm start printed)' },
  );
  if (health !== 200) return checks;
  const post = (authorization: string) =>
    fetch(`${base}/v1/alerts/alertmanager`, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: '{}' }).then((response) => response.status);
  const wrong = await post('Bearer stormgate-doctor-wrong-token-0000');
  checks.push(
    wrong === 401
      ? { name: 'endpoint auth', ok: true, detail: 'a wrong token is refused (401)' }
      : { name: 'endpoint auth', ok: false, detail: `a wrong token got ${wrong}`, fix: 'the endpoint must require AUTH_TOKENS: check the deployment' },
  );
  if (token !== undefined) {
    // An empty notification with the right token is refused for its content (400), not for the token.
    const right = await post(`Bearer ${token}`);
    checks.push(
      right === 400
        ? { name: 'endpoint token', ok: true, detail: 'the given token is accepted' }
        : { name: 'endpoint token', ok: false, detail: `the given token got ${right}`, fix: 'use a token of AUTH_TOKENS (or of the AuthTokensSecret)' },
    );
  }
  return checks;
}

export const doctor: Command = {
  name: 'doctor',
  summary: "check a deployment's wiring: configuration, Redis and its eviction policy, the Kubernetes API, CRD and RBAC, the endpoint",
  usage: `Usage: stormgate doctor [--url URL] [--token TOKEN] [--json]

Checks what stormgate needs, with the configuration the functions read (the environment: REDIS_URL or
REDIS_CLUSTER_NODES, KUBECONFIG or KUBE_API_URL and KUBE_TOKEN, RR_NAMESPACE, …), one line each, ✓ or ✗
with the fix:
  configuration    the variables are valid
  redis            reachable; maxmemory-policy noeviction on every master
  kubernetes       the API answers, accepts the credentials, serves the CRD, and RBAC lets this identity
                   create requests and patch their status (SelfSubjectAccessReview)
  endpoint         (with --url or STORMGATE_URL) /healthz answers, a wrong token is refused, --token works

Exit codes: 0 every check passed, 1 one failed, 2 usage.`,
  options: { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean', default: false } },
  run: async (values, positionals, io) => {
    if (positionals.length > 0) throw new UsageError('doctor takes no arguments');
    const checks: Check[] = [await configuration()];
    if (checks[0]?.ok) checks.push(...(await redisChecks()), await kubernetesCheck());
    if (typeof values.url === 'string' || io.env.STORMGATE_URL) {
      const { base, token } = endpointOf(values, io.env);
      checks.push(...(await endpointChecks(base, token)));
    }
    const ok = checks.every((check) => check.ok);
    if (values.json) io.out(JSON.stringify({ ok, checks }));
    else for (const check of checks) io.out(`${check.ok ? '✓' : '✗'} ${check.name.padEnd(15)} ${check.detail}${check.fix ? `\n  fix: ${check.fix}` : ''}`);
    return ok ? exitCodes.ok : exitCodes.failed;
  },
};
