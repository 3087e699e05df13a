import type * as z from 'zod/mini';
import type { WebhookLimits } from '../alertmanager/webhook-schema.js';
import type { FingerprintStrategy } from '../domain/fingerprint.js';
import type { StormScope } from '../domain/storm.js';
import { ConfigError } from '../errors.js';
import { credentialListSchema, environmentSchema } from './schema.js';

export type RedisTarget =
  | { mode: 'standalone'; url: string; password?: string; passwordSecretId?: string; tls: boolean }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; password?: string; passwordSecretId?: string; tls: boolean };

export type KubeTarget =
  | { mode: 'kubeconfig'; path: string }
  | { mode: 'kubeconfig-secret'; secretId: string }
  | { mode: 'eks'; server: string; clusterName: string; caData?: string }
  | { mode: 'token'; server: string; token?: string; caData?: string };

/** An accepted credential: only the SHA-256 of the token is kept. */
export interface Credential {
  readonly tenant: string;
  readonly sha256: string;
}

export interface Config {
  readonly redis?: RedisTarget;
  readonly kube?: KubeTarget;
  readonly namespace: string;
  readonly clusterId?: string;
  readonly credentials: readonly Credential[];
  /** Deployed: where the credentials are kept instead (Secrets Manager). */
  readonly credentialsSecretId?: string;
  readonly fingerprintStrategy: FingerprintStrategy;
  readonly webhookLimits: WebhookLimits;
  readonly rateBudget: { readonly alertsPerSecond: number; readonly burst: number };
  readonly functions: { readonly dedup: string; readonly stormAggregator: string };
  readonly aws: { readonly region: string; readonly lambdaEndpoint?: string; readonly secretsManagerEndpoint?: string };
  readonly storm: {
    readonly scope: StormScope;
    readonly holdSeconds: number;
    readonly threshold: number;
    readonly detectionWindowSeconds: number;
    readonly inactivitySeconds: number;
    readonly maxWindowSeconds: number;
    readonly resourceCap: number;
  };
  readonly dedup: {
    readonly idleTtlSeconds: number;
    readonly closedTtlSeconds: number;
    readonly haWindowSeconds: number;
    readonly retryHorizonSeconds: number;
    readonly statusWriteIntervalSeconds: number;
  };
  /** Remediation-aware dedup (issue 17): owner lookups, the cooldown after a Completed request, the flap guard. */
  readonly remediation: {
    readonly ownerCacheTtlSeconds: number;
    readonly cooldownSeconds: number;
    readonly minFiringSeconds: number;
    readonly resolveGraceSeconds: number;
  };
  readonly sweepIntervalSeconds: number;
  readonly maxBodyBytes: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`).join('; ');
}

function parseHostPort(node: string): { host: string; port: number } {
  const separator = node.lastIndexOf(':');
  return { host: node.slice(0, separator), port: Number(node.slice(separator + 1)) };
}

/** Validates the environment once; throws a ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error)}`);
  }
  const e = parsed.data;
  const auth = { ...(e.REDIS_PASSWORD && { password: e.REDIS_PASSWORD }), ...(e.REDIS_AUTH_SECRET_ID && { passwordSecretId: e.REDIS_AUTH_SECRET_ID }) };
  const redis: RedisTarget | undefined = e.REDIS_CLUSTER_NODES
    ? { mode: 'cluster', nodes: e.REDIS_CLUSTER_NODES.map(parseHostPort), tls: e.REDIS_TLS, ...auth }
    : e.REDIS_URL
      ? { mode: 'standalone', url: e.REDIS_URL, tls: e.REDIS_TLS || e.REDIS_URL.startsWith('rediss://'), ...auth }
      : undefined;
  const caData = e.KUBE_CA_DATA?.replace(/\s/g, '');
  const kube: KubeTarget | undefined = e.KUBECONFIG
    ? { mode: 'kubeconfig', path: e.KUBECONFIG }
    : e.KUBECONFIG_SECRET_ID
      ? { mode: 'kubeconfig-secret', secretId: e.KUBECONFIG_SECRET_ID }
      : e.KUBE_API_URL && e.EKS_CLUSTER_NAME
        ? { mode: 'eks', server: e.KUBE_API_URL, clusterName: e.EKS_CLUSTER_NAME, ...(caData && { caData }) }
        : e.KUBE_API_URL
          ? { mode: 'token', server: e.KUBE_API_URL, ...(e.KUBE_TOKEN && { token: e.KUBE_TOKEN }), ...(caData && { caData }) }
          : undefined;

  const config: Config = {
    ...(redis && { redis }),
    ...(kube && { kube }),
    namespace: e.RR_NAMESPACE,
    ...(e.CLUSTER_ID && { clusterId: e.CLUSTER_ID }),
    credentials: e.AUTH_TOKENS ?? [],
    ...(e.AUTH_TOKENS_SECRET_ID && { credentialsSecretId: e.AUTH_TOKENS_SECRET_ID }),
    fingerprintStrategy: e.FINGERPRINT_STRATEGY,
    webhookLimits: {
      maxAlerts: e.MAX_ALERTS_PER_REQUEST,
      maxLabelsPerAlert: e.MAX_LABELS_PER_ALERT,
      maxLabelValueLength: e.MAX_LABEL_VALUE_LENGTH,
      maxAnnotationValueLength: e.MAX_ANNOTATION_VALUE_LENGTH,
    },
    rateBudget: { alertsPerSecond: e.TENANT_RATE_ALERTS_PER_SECOND, burst: e.TENANT_RATE_BURST },
    functions: { dedup: e.DEDUP_FUNCTION_NAME, stormAggregator: e.STORM_AGGREGATOR_FUNCTION_NAME },
    aws: {
      region: e.AWS_REGION,
      ...(e.AWS_ENDPOINT_URL_LAMBDA && { lambdaEndpoint: e.AWS_ENDPOINT_URL_LAMBDA }),
      ...(e.AWS_ENDPOINT_URL_SECRETS_MANAGER && { secretsManagerEndpoint: e.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
    },
    storm: {
      scope: e.STORM_SCOPE,
      holdSeconds: e.STORM_HOLD_SECONDS,
      threshold: e.STORM_THRESHOLD,
      detectionWindowSeconds: e.STORM_DETECTION_WINDOW_SECONDS,
      inactivitySeconds: e.STORM_INACTIVITY_SECONDS,
      maxWindowSeconds: e.STORM_MAX_WINDOW_SECONDS,
      resourceCap: e.STORM_RESOURCE_CAP,
    },
    dedup: {
      idleTtlSeconds: e.DEDUP_IDLE_TTL_SECONDS,
      closedTtlSeconds: e.DEDUP_CLOSED_TTL_SECONDS,
      haWindowSeconds: e.HA_REDELIVERY_WINDOW_SECONDS,
      retryHorizonSeconds: e.DEDUP_RETRY_HORIZON_SECONDS,
      statusWriteIntervalSeconds: e.STATUS_WRITE_INTERVAL_SECONDS,
    },
    remediation: {
      ownerCacheTtlSeconds: e.OWNER_CACHE_TTL_SECONDS,
      cooldownSeconds: e.REMEDIATION_COOLDOWN_SECONDS,
      minFiringSeconds: e.MIN_FIRING_SECONDS,
      resolveGraceSeconds: e.FLAP_RESOLVE_GRACE_SECONDS,
    },
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    logLevel: e.LOG_LEVEL,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

let processConfig: Config | undefined;

/** The process-wide configuration, read from process.env on first use. The only reader of process.env. */
export function getConfig(): Config {
  processConfig ??= loadConfig(process.env);
  return processConfig;
}

/** Narrowing helpers: a function that needs a setting fails fast, naming the variable to set. */
export function requireRedis(config: Config): RedisTarget {
  if (!config.redis) throw new ConfigError('invalid configuration: set REDIS_URL or REDIS_CLUSTER_NODES');
  return config.redis;
}

export function requireKube(config: Config): KubeTarget {
  if (!config.kube) throw new ConfigError('invalid configuration: set KUBECONFIG, KUBECONFIG_SECRET_ID or KUBE_API_URL');
  return config.kube;
}

export function requireCredentials(config: Config): readonly Credential[] {
  if (config.credentials.length === 0 && config.credentialsSecretId === undefined) {
    throw new ConfigError('invalid configuration: AUTH_TOKENS must list at least one token (or set AUTH_TOKENS_SECRET_ID)');
  }
  return config.credentials;
}

/** Parses a secret that holds credentials in the AUTH_TOKENS format. */
export function parseCredentialList(text: string, source: string): readonly Credential[] {
  const parsed = credentialListSchema.safeParse(text);
  if (!parsed.success) throw new ConfigError(`invalid credentials in ${source}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
