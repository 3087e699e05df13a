import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../validation/english-messages.js';
import { crdLimits } from '../domain/crd-fields.js';
import { fingerprintStrategies } from '../domain/fingerprint.js';
import { stormScopes } from '../domain/storm.js';

const positiveInt = (fallback: number) => z._default(z.pipe(z.coerce.number(), z.int().check(z.positive())), fallback);
const nonNegativeInt = (fallback: number) => z._default(z.pipe(z.coerce.number(), z.int().check(z.nonnegative())), fallback);
/** A limit that must stay within what the RemediationRequest CRD stores, or accepted alerts could not be written. */
const crdBoundInt = (fallback: number, max: number) =>
  z._default(z.pipe(z.coerce.number(), z.int().check(z.positive(), z.maximum(max, `at most ${max}: the RemediationRequest CRD stores no more`))), fallback);

const commaList = z.pipe(
  z.string(),
  z.transform((raw: string) =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
);

const nonEmpty = () => z.optional(z.string().check(z.minLength(1)));
const httpUrl = () => z.optional(z.url({ protocol: /^https?$/ }));

const hostPort = z.string().check(z.regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'));

/**
 * One accepted credential: `[tenant=]secret`, where secret is the token itself or `sha256:<64 hex>` of
 * it (so that the plain token never has to be stored). Without a tenant, the tenant is `default`.
 */
export const credentialSchema = z.pipe(
  z.string(),
  z.transform((entry: string, context) => {
    const scoped = /^([a-z0-9][a-z0-9-]{0,31})=(.+)$/.exec(entry);
    const tenant = scoped?.[1] ?? 'default';
    const secret = scoped?.[2] ?? entry;
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(secret);
    if (!hashed && secret.length < 16) {
      context.issues.push({ code: 'custom', message: 'each token must be at least 16 characters (or sha256:<hex> of one)', input: entry });
    }
    return { tenant, sha256: hashed?.[1]?.toLowerCase() ?? createHash('sha256').update(secret).digest('hex') };
  }),
);

/** Environment variables stormgate reads, with the defaults from DESIGN.md. */
export const environmentSchema = z
  .object({
    REDIS_URL: z.optional(z.string().check(z.regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'))),
    REDIS_CLUSTER_NODES: z.optional(z.pipe(commaList, z.array(hostPort).check(z.minLength(1, 'must name at least one host:port')))),
    REDIS_PASSWORD: nonEmpty(),
    REDIS_TLS: z.pipe(
      z._default(z.enum(['true', 'false']), 'false'),
      z.transform((flag: 'true' | 'false') => flag === 'true'),
    ),
    KUBECONFIG: nonEmpty(),
    KUBE_API_URL: httpUrl(),
    KUBE_TOKEN: nonEmpty(),
    // EKS: the token is minted in-process from the function's IAM role for this cluster.
    EKS_CLUSTER_NAME: z.optional(z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be an EKS cluster name'))),
    // The cluster's CA certificate, base64-encoded PEM (as in a kubeconfig's certificate-authority-data).
    KUBE_CA_DATA: z.optional(z.string().check(z.regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64'))),
    // A kubeconfig kept in Secrets Manager (name or ARN), for clusters that are not EKS.
    KUBECONFIG_SECRET_ID: nonEmpty(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: httpUrl(),
    RR_NAMESPACE: z._default(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name (DNS label)')), 'stormgate'),
    CLUSTER_ID: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be 1-63 letters, digits, -, _ or ., starting and ending with a letter or digit')),
    ),
    AUTH_TOKENS: z.optional(z.pipe(commaList, z.array(credentialSchema))),
    // Deployed: the accepted tokens live in Secrets Manager (same format as AUTH_TOKENS), re-read every 5 minutes.
    AUTH_TOKENS_SECRET_ID: nonEmpty(),
    // Deployed: the Redis AUTH token lives in Secrets Manager.
    REDIS_AUTH_SECRET_ID: nonEmpty(),
    FINGERPRINT_STRATEGY: z._default(z.enum(fingerprintStrategies), 'resource'),
    // FINGERPRINT_STRATEGY=owner: how long a pod's owner, once looked up, is reused (a pod's owner never changes).
    OWNER_CACHE_TTL_SECONDS: positiveInt(3_600),
    // A new episode of a target within this long after its last request Completed is counted on that
    // request as a recurrence instead of making another (0: off).
    REMEDIATION_COOLDOWN_SECONDS: nonNegativeInt(0),
    // A new signal becomes a request only once it has fired this long (by its startsAt); 0: at once.
    MIN_FIRING_SECONDS: nonNegativeInt(0),
    // With MIN_FIRING_SECONDS: how late a resolve may arrive (Alertmanager sends it at the group's next
    // group_interval, 5 minutes by default); the sweep makes a deferred request only after that.
    FLAP_RESOLVE_GRACE_SECONDS: nonNegativeInt(300),
    MAX_ALERTS_PER_REQUEST: positiveInt(1_000),
    // Applies to labels and annotations alike: the CRD holds 128 labels and 64 annotations.
    MAX_LABELS_PER_ALERT: crdBoundInt(64, crdLimits.annotationCount),
    MAX_LABEL_VALUE_LENGTH: crdBoundInt(1_024, crdLimits.labelValue),
    MAX_ANNOTATION_VALUE_LENGTH: positiveInt(16_384),
    TENANT_RATE_ALERTS_PER_SECOND: z._default(z.coerce.number().check(z.positive()), 100),
    TENANT_RATE_BURST: positiveInt(5_000),
    // A closed episode's record (and a resolved-first tombstone) stays this long: as long as Lambda may
    // still retry an async invocation (6 h), so that a late copy can never reopen what was closed.
    DEDUP_CLOSED_TTL_SECONDS: positiveInt(21_600),
    // A dedup batch's marker stays this long, so that a Lambda retry of it counts nothing again.
    DEDUP_RETRY_HORIZON_SECONDS: positiveInt(21_600),
    HA_REDELIVERY_WINDOW_SECONDS: positiveInt(120),
    DEDUP_FUNCTION_NAME: z._default(z.string().check(z.minLength(1)), 'stormgate-dedup'),
    STORM_AGGREGATOR_FUNCTION_NAME: z._default(z.string().check(z.minLength(1)), 'stormgate-storm-aggregator'),
    AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    AWS_ENDPOINT_URL_LAMBDA: httpUrl(),
    STORM_THRESHOLD: positiveInt(5),
    STORM_SCOPE: z._default(z.enum(stormScopes), 'namespace'),
    // 0 turns the hold off.
    STORM_HOLD_SECONDS: z._default(z.pipe(z.coerce.number(), z.int().check(z.nonnegative(), z.maximum(30))), 3),
    STORM_DETECTION_WINDOW_SECONDS: positiveInt(60),
    STORM_INACTIVITY_SECONDS: positiveInt(60),
    STORM_MAX_WINDOW_SECONDS: positiveInt(300),
    STORM_RESOURCE_CAP: positiveInt(200),
    STATUS_WRITE_INTERVAL_SECONDS: positiveInt(10),
    DEDUP_IDLE_TTL_SECONDS: positiveInt(86_400),
    SWEEP_INTERVAL_SECONDS: positiveInt(5),
    MAX_BODY_BYTES: positiveInt(1_048_576),
    LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']), 'INFO'),
  })
  .check(
    z.refine((env) => env.REDIS_URL === undefined || env.REDIS_CLUSTER_NODES === undefined, {
      message: 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both',
      path: ['REDIS_URL'],
    }),
    z.refine((env) => env.EKS_CLUSTER_NAME === undefined || env.KUBE_API_URL !== undefined, {
      message: 'EKS_CLUSTER_NAME needs KUBE_API_URL (the cluster endpoint) and KUBE_CA_DATA',
      path: ['EKS_CLUSTER_NAME'],
    }),
  );

export type Environment = z.infer<typeof environmentSchema>;

/** The AUTH_TOKENS format, for the same list kept in a secret. */
export const credentialListSchema = z.pipe(commaList, z.array(credentialSchema).check(z.minLength(1, 'must list at least one token')));
