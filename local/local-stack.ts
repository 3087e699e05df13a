import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsyncInvocationStore } from './async-invocation-store.js';
import { freePort } from './free-port.js';
import { KubeStandin } from './kube-standin/server.js';
import { type RunningRedis, startRedisStandalone } from './redis-runner.js';
import { type LambdaHandler, LocalLambdaRuntime } from './lambda-runtime.js';
import { runningRuntime, writeRuntimeFile } from './runtime-file.js';
import { type LocalServer, startLocalServer } from './server.js';

export interface LocalStackOptions {
  /** Variables as a user sets them; the stack adds what it provides itself (Redis, Kubernetes, token, Lambda endpoint). */
  readonly env: NodeJS.ProcessEnv;
  readonly host?: string;
  /** Directory for generated files (kubeconfig). */
  readonly stateDirectory: string;
  readonly asyncRetryDelaysMs?: readonly number[];
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly authToken: string;
  readonly redis: string;
  readonly kubeApiUrl: string;
  readonly kubeconfigPath?: string;
  readonly runtime: LocalLambdaRuntime;
  readonly standin?: KubeStandin;
  /** Forgets what the process remembers between invocations (the Kubernetes circuit, the last refusal): for tests. */
  resetProcessState(): void;
  stop(): Promise<void>;
}

function writeKubeconfig(directory: string, server: string): string {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, 'kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: stormgate-local',
      // Plain http: client-node wants the flag to allow it; there is no TLS to skip.
      `    cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
      'users:',
      '  - name: stormgate-local',
      '    user: {}',
      'contexts:',
      '  - name: stormgate-local',
      '    context: { cluster: stormgate-local, user: stormgate-local, namespace: stormgate }',
      'current-context: stormgate-local',
      '',
    ].join('\n'),
  );
  return path;
}

/** Two runtimes on one state directory would run each other's queued invocations against the wrong Redis. */
function claimStateDirectory(directory: string): void {
  const owner = runningRuntime(directory);
  if (owner && owner.pid !== process.pid) {
    throw new Error(`another local runtime (pid ${owner.pid}, ${owner.url}) uses the state directory ${directory}: stop it, or give this one its own with LOCAL_STATE_DIR`);
  }
}

/**
 * The whole pipeline on one machine: an API Gateway + Lambda invoke emulation on one port, the three real
 * handlers, a redis-server of its own unless Redis is configured, the Kubernetes API stand-in unless a
 * cluster is configured, and the sweep timer that an EventBridge schedule drives when deployed.
 * It sets process.env before importing the handlers, which read configuration once at load.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const env = options.env;
  const host = options.host ?? '127.0.0.1';
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    claimStateDirectory(options.stateDirectory);
    let embeddedRedis: RunningRedis | undefined;
    if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
      embeddedRedis = await startRedisStandalone({ maxmemory: '256mb' });
      cleanups.push(() => (embeddedRedis as RunningRedis).stop());
      Object.assign(env, embeddedRedis.env);
    }

    let standin: KubeStandin | undefined;
    let kubeconfigPath: string | undefined;
    if (!env.KUBECONFIG && !env.KUBE_API_URL) {
      // The functions have stormgate's identity, held to infra/k8s/rbac.yaml (applied in RR_NAMESPACE) as in
      // a cluster; kubectl with any other credentials, or none (the kubeconfig written here), is the
      // cluster admin, like `kubectl proxy`.
      const functionsToken = `sg-local-kube-${randomBytes(12).toString('hex')}`;
      standin = await KubeStandin.start({ host, token: functionsToken, anonymous: 'admin', ...(env.RR_NAMESPACE && { rbacNamespace: env.RR_NAMESPACE }) });
      cleanups.push(() => (standin as KubeStandin).stop());
      env.KUBE_API_URL = standin.url;
      env.KUBE_TOKEN = functionsToken;
      kubeconfigPath = writeKubeconfig(options.stateDirectory, standin.url);
    }

    env.AUTH_TOKENS ??= `sg-local-${randomBytes(16).toString('hex')}`;
    // What to show the user: the first token as configured (`tenant=` stripped), unless it is only a hash.
    const firstSecret = (env.AUTH_TOKENS.split(',')[0] ?? '').trim().replace(/^[a-z0-9][a-z0-9-]{0,31}=/, '');
    const authToken = firstSecret.startsWith('sha256:') ? '(configured as a sha256 hash)' : firstSecret;
    const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : 8080;
    const listenPort = port === 0 ? await freePort() : port;
    env.AWS_ENDPOINT_URL_LAMBDA = `http://${host}:${listenPort}`;
    env.AWS_REGION ??= 'us-east-1';
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    // Metrics go to CloudWatch as EMF in the function's log when deployed; locally the runtime prints the
    // same counts as its summary line (POWERTOOLS_METRICS_DISABLED=false prints the EMF too).
    env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    env.POWERTOOLS_METRICS_NAMESPACE ??= 'Stormgate/local';

    // One at a time: the handlers share modules, and concurrent first imports race in some ESM loaders (jest's).
    const ingest = await import('../functions/ingest/handler.js');
    const dedup = await import('../functions/dedup/handler.js');
    const storm = await import('../functions/storm-aggregator/handler.js');
    const clients = await import('../lib/runtime/clients.js');
    const { resetKubeProcessState } = await import('../lib/runtime/kube.js');
    const config = clients.runtimeConfig();
    cleanups.push(() => clients.closeClients());
    const { checkDependencies } = await import('./preflight.js');
    await checkDependencies({
      redis: env.REDIS_URL ?? `cluster ${env.REDIS_CLUSTER_NODES ?? ''}`,
      kubernetes: env.KUBE_API_URL ?? `the server of the kubeconfig ${env.KUBECONFIG ?? ''}`,
    });

    const runtime = new LocalLambdaRuntime({
      store: await AsyncInvocationStore.open(join(options.stateDirectory, 'lambda')),
      ...(options.asyncRetryDelaysMs && { retryDelaysMs: options.asyncRetryDelaysMs }),
      onLog: options.log,
    });
    const { functionTiming } = await import('../lib/runtime/function-timing.js');
    runtime.register('stormgate-ingest', ingest.handler as LambdaHandler, functionTiming.ingest.timeoutSeconds * 1000);
    runtime.register(config.functions.dedup, dedup.handler as LambdaHandler, functionTiming.dedup.timeoutSeconds * 1000);
    runtime.register(config.functions.stormAggregator, storm.handler as LambdaHandler, functionTiming.sweep.timeoutSeconds * 1000);
    cleanups.push(() => runtime.close());

    // What a stopped or killed process left queued runs now (each attempt it interrupted counts as one),
    // listed before the invoke API takes new ones.
    await runtime.resumeQueued();
    const server: LocalServer = await startLocalServer({
      host,
      port: listenPort,
      runtime,
      routes: [
        { method: 'POST', resource: '/v1/alerts/alertmanager', functionName: 'stormgate-ingest' },
        { method: 'GET', resource: '/v1/signals/{fingerprint}', functionName: 'stormgate-ingest' },
      ],
    });
    cleanups.push(() => server.close());
    // Where `npm run dead-letters -- redrive` finds the runtime's Lambda endpoint.
    const removeRuntimeFile = writeRuntimeFile(options.stateDirectory, { url: server.url, pid: process.pid });
    cleanups.push(async () => removeRuntimeFile());

    // The deployed stack runs the sweep from an EventBridge rule; locally a timer does.
    const sweep = setInterval(() => {
      runtime
        .invokeAsync(config.functions.stormAggregator, { source: 'local.schedule', 'detail-type': 'Scheduled Event' })
        .catch((error: unknown) => options.log('the scheduled sweep could not be queued', { error: (error as Error).message }));
    }, config.sweepIntervalSeconds * 1000);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));

    return {
      url: server.url,
      authToken,
      redis: env.REDIS_URL ?? `cluster ${env.REDIS_CLUSTER_NODES ?? ''}`,
      kubeApiUrl: env.KUBE_API_URL ?? `kubeconfig ${env.KUBECONFIG ?? ''}`,
      ...(kubeconfigPath !== undefined && { kubeconfigPath }),
      ...(standin !== undefined && { standin }),
      runtime,
      resetProcessState: resetKubeProcessState,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
