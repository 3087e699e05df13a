import { isIPv4, isIPv6 } from 'node:net';
import * as z from 'zod';
import { environmentSchema } from '../lib/config/schema.js';

/**
 * Every deployment option, read from cdk.json context (`stormgate:<name>`) or `-c stormgate:<name>=…`,
 * validated once at synth: a combination that cannot work fails `cdk synth` naming the option, instead
 * of a deploy that fails halfway or functions that fail every cold start. Defaults in the schema are the
 * documented defaults (README, "Deploy").
 */
const list = z.union([z.array(z.string()), z.string().transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean))]);
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** `a.b.c.d/n` or an IPv6 prefix, with no host bits set (WAF refuses /0). */
export function cidrProblem(cidr: string): string | undefined {
  const [address = '', prefix = '', ...rest] = cidr.split('/');
  // An IPv4-mapped IPv6 prefix would sit in the IPv6 IP set and never match an IPv4 client; a zone id is meaningless to WAF.
  if (/^::ffff:/i.test(address) && address.includes('.')) return `${cidr} is an IPv4-mapped IPv6 prefix: write the IPv4 CIDR instead`;
  const bits = isIPv4(address) ? 32 : isIPv6(address) && !address.includes('%') ? 128 : 0;
  if (rest.length > 0 || bits === 0 || !/^(0|[1-9]\d{0,2})$/.test(prefix)) return `${cidr} is not an IPv4 or IPv6 CIDR (address/prefix)`;
  const length = Number(prefix);
  if (length < 1 || length > bits) return `${cidr}: the prefix must be 1-${bits} (WAF refuses /0)`;
  const value = bits === 32 ? ipv4Value(address) : ipv6Value(address);
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  if ((value & hostMask) !== 0n) return `${cidr} has host bits set; use the network address ${format(value & ~hostMask, bits)}/${length}`;
  return undefined;
}
const ipv4Value = (address: string) => address.split('.').reduce((value, octet) => (value << 8n) + BigInt(octet), 0n);
function ipv6Value(address: string): bigint {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const embedded = (parts: string[]) =>
    parts.flatMap((part) => (isIPv4(part) ? (({ high, low }) => [high, low])({ high: (ipv4Value(part) >> 16n).toString(16), low: (ipv4Value(part) & 0xffffn).toString(16) }) : [part]));
  const left = embedded(groups(head));
  const right = tail === undefined ? [] : embedded(groups(tail));
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((value, group) => (value << 16n) + BigInt(`0x${group}`), 0n);
}
function format(value: bigint, bits: number): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  return Array.from({ length: 8 }, (_, index) => ((value >> BigInt(112 - 16 * index)) & 0xffffn).toString(16)).join(':');
}

/** Variables the stack sets itself from its options; `environment` may not override them. */
const stackOwnedVariables = new Set([
  'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_TLS', 'REDIS_AUTH_SECRET_ID', 'RR_NAMESPACE', 'AUTH_TOKENS_SECRET_ID', 'KUBECONFIG_SECRET_ID',
  'KUBE_API_URL', 'KUBE_CA_DATA', 'EKS_CLUSTER_NAME', 'DEDUP_FUNCTION_NAME', 'AWS_REGION',
]);
/** Credentials belong in the stack's secrets, never in a function's environment. */
const credentialVariables = new Set(['AUTH_TOKENS', 'REDIS_PASSWORD', 'KUBE_TOKEN']);
/** Variables of the local runtime only; deployed functions never read them. */
const localOnlyVariables = new Set(['KUBECONFIG', 'SWEEP_INTERVAL_SECONDS', 'STORM_AGGREGATOR_FUNCTION_NAME', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL_SECRETS_MANAGER']);

/** Options that size or choose ElastiCache: meaningless with `redisUrl`. */
const elastiCacheOptions = ['redisMode', 'redisNodeType', 'redisShards', 'redisReplicasPerShard', 'redisMaxDataGb', 'redisMaxEcpuPerSecond'] as const;

/** ElastiCache's hard limit of nodes in one cluster-mode group (the default quota is 90). */
export const maxRedisNodes = 500;

export const stackOptionsSchema = z
  .object({
    /** Prefix of every named resource (cache, API, dashboard, metrics): two stacks in one account and region need two prefixes. */
    namePrefix: z
      .string()
      .regex(/^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,23}$/, 'must be 1-24 lowercase letters, digits and single hyphens, starting with a letter')
      .default('stormgate'),
    /** Namespace of the RemediationRequests. */
    rrNamespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name (DNS label)').default('stormgate'),
    /** An existing VPC to use instead of a new one (with its private subnet ids and their AZs). */
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)').optional(),
    privateSubnetIds: list.pipe(z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be subnet ids (subnet-…)'))).default([]),
    availabilityZones: list.default([]),
    /** NAT gateways of a new VPC (default 1): the functions reach the Kubernetes API (and AWS) through them. */
    natGateways: int(0, 2).optional(),
    /** Interface endpoints for Lambda and Secrets Manager in the VPC; false when the VPC already has them. */
    vpcEndpoints: flag.default(true),
    /** An existing Redis instead of ElastiCache (LocalStack: the compose file's Valkey). */
    redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
    /** ElastiCache: `cluster` (node-based, cluster mode, noeviction: a full cache answers errors) or `serverless`. */
    redisMode: z.enum(['cluster', 'serverless']).default('cluster'),
    redisNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type (cache.t4g.micro, …)').default('cache.t4g.micro'),
    redisShards: int(1, 500).default(1),
    /** At least one replica per shard: Multi-AZ failover keeps the state when a node fails. */
    redisReplicasPerShard: int(1, 5).default(1),
    /** Serverless limits (they bound the cost; the data limit is also where serverless starts evicting). */
    redisMaxDataGb: int(1, 5000).default(1),
    redisMaxEcpuPerSecond: int(1000, 15_000_000).default(5000),
    /** Kubernetes: EKS (token minted from the functions' role) or any cluster through a kubeconfig secret. */
    eksClusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'must be an EKS cluster name').optional(),
    kubeApiUrl: z.string().regex(/^https:\/\/[^\s/]+(:\d+)?\/?$/, 'must be the https:// endpoint of the cluster (aws eks describe-cluster --query cluster.endpoint)').optional(),
    kubeCaData: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (aws eks describe-cluster --query cluster.certificateAuthority.data)').optional(),
    /** A kubeconfig secret that already exists (name or ARN) instead of the one the stack creates. */
    kubeconfigSecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
    /** Create EKS access entries mapping the functions' roles to the RBAC group of infra/k8s/rbac.yaml. */
    eksAccessEntry: flag.default(true),
    /** API Gateway stage throttling (requests per second, burst). */
    apiRateLimit: int(1, 10_000).default(50),
    apiBurstLimit: int(1, 5_000).default(100),
    /** Sets API Gateway's account-wide CloudWatch Logs role (access logging needs one); false when the account already has it. */
    apiGatewayCloudWatchRole: flag.default(true),
    /** Optional custom domain with an ACM certificate; mutual TLS with a truststore in S3. */
    domainName: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lowercase DNS name').optional(),
    certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/, 'must be an ACM certificate ARN').optional(),
    mtlsTruststoreUri: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'must be s3://bucket/key').optional(),
    /** Optional WAF web ACL; with CIDRs (IPv4 and IPv6), only those sources may call the API. */
    waf: flag.default(false),
    allowedCidrs: list.pipe(
      z.array(
        z.string().superRefine((cidr, context) => {
          const problem = cidrProblem(cidr);
          if (problem) context.addIssue({ code: 'custom', message: problem });
        }),
      ),
    ).default([]),
    /** Reserved concurrency caps (contain a runaway, e.g. a retry storm); 0 reserves nothing (default: new accounts cannot reserve). */
    dedupConcurrency: int(0, 1000).default(0),
    stormConcurrency: int(0, 1000).default(0),
    /** The RequestFlood alarm fires when more RemediationRequests than this are created in 5 minutes. */
    requestFloodAlarm: int(1, 100_000).default(50),
    /** Alarm notifications. */
    alarmEmail: z.email('must be an email address').optional(),
    /** Extra function environment (tuning from DESIGN.md: STORM_THRESHOLD, …), checked as the functions will check it. */
    environment: z
      .preprocess(
        // `-c` passes context as a string: a JSON object there.
        (value) => {
          if (typeof value !== 'string') return value;
          try {
            return JSON.parse(value) as unknown;
          } catch {
            return value;
          }
        },
        z.record(z.string(), z.string(), { error: 'must be a JSON object of variable names to string values, e.g. {"STORM_THRESHOLD":"10"}' }),
      )
      .default({}),
  })
  .superRefine((options, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    if (options.vpcId) {
      if (options.privateSubnetIds.length === 0) problem('privateSubnetIds', 'vpcId needs the private subnet ids the functions and Redis use');
      if (options.availabilityZones.length !== options.privateSubnetIds.length)
        problem('availabilityZones', 'needs one availability zone per private subnet id, in the same order');
      if (options.redisUrl === undefined && new Set(options.availabilityZones).size < 2)
        problem('availabilityZones', 'ElastiCache keeps a replica in another zone: give private subnets in at least two availability zones');
      if (options.natGateways !== undefined) problem('natGateways', 'applies only to a new VPC; with vpcId, the existing VPC’s routes decide (it needs a way to the Kubernetes API)');
    } else {
      if (options.privateSubnetIds.length > 0 || options.availabilityZones.length > 0) problem('privateSubnetIds', 'privateSubnetIds and availabilityZones need vpcId');
      if (options.natGateways === 0)
        problem('natGateways', 'a new VPC without NAT has no way to any Kubernetes API (an EKS private endpoint lives in the cluster’s VPC): deploy into that VPC with vpcId, or keep 1 or 2');
    }
    if (options.eksClusterName !== undefined) {
      if (options.kubeApiUrl === undefined) problem('kubeApiUrl', 'eksClusterName needs kubeApiUrl (aws eks describe-cluster --query cluster.endpoint)');
      if (options.kubeCaData === undefined) problem('kubeCaData', 'eksClusterName needs kubeCaData (aws eks describe-cluster --query cluster.certificateAuthority.data)');
      if (options.kubeconfigSecretArn !== undefined) problem('kubeconfigSecretArn', 'is for clusters that are not EKS; with eksClusterName, tokens are minted from the functions’ roles');
    } else if (options.kubeApiUrl !== undefined || options.kubeCaData !== undefined) {
      problem('kubeApiUrl', 'kubeApiUrl and kubeCaData are for EKS and need eksClusterName; other clusters are reached through the kubeconfig secret');
    }
    if ((options.domainName === undefined) !== (options.certificateArn === undefined)) problem('domainName', 'domainName and certificateArn go together');
    if (options.mtlsTruststoreUri !== undefined && options.domainName === undefined) problem('mtlsTruststoreUri', 'mutual TLS needs domainName and certificateArn');
    const nodes = options.redisShards * (options.redisReplicasPerShard + 1);
    if (nodes > maxRedisNodes) problem('redisShards', `${options.redisShards} shards of ${options.redisReplicasPerShard + 1} nodes are ${nodes} nodes; ElastiCache allows at most ${maxRedisNodes} in one group`);
    if (options.apiBurstLimit < options.apiRateLimit) problem('apiBurstLimit', `must be at least apiRateLimit (${options.apiRateLimit})`);
    for (const [name, value] of Object.entries(options.environment)) {
      if (stackOwnedVariables.has(name)) problem('environment', `${name} is set by the stack from its own options`);
      else if (credentialVariables.has(name)) problem('environment', `${name} would put a credential in the functions' environment: the stack keeps credentials in Secrets Manager`);
      else if (localOnlyVariables.has(name)) problem('environment', `${name} is for the local runtime only; deployed functions do not read it`);
      else if (!Object.hasOwn(environmentSchema.shape, name)) problem('environment', `${name} is not a stormgate variable (README, Configuration)`);
      else {
        const parsed = environmentSchema.safeParse({ [name]: value });
        const issue = parsed.success ? undefined : parsed.error.issues.find((entry) => entry.path[0] === name);
        if (issue) problem('environment', `${name}: ${issue.message}`);
      }
    }
  });

export type StackOptions = z.infer<typeof stackOptionsSchema>;

/** Options that cannot work together, or values out of range: `cdk synth` stops with this message. */
export class StackOptionsError extends Error {
  override readonly name = 'StackOptionsError';
}

const invalidOptions = (problems: { option: string; message: string }[]) =>
  new StackOptionsError(`invalid stormgate options: ${problems.map(({ option, message }) => `stormgate:${option}: ${message}`).join('; ')}`);

export function readStackOptions(context: (key: string) => unknown): StackOptions {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(stackOptionsSchema.shape)) {
    const value = context(`stormgate:${name}`);
    if (value !== undefined) raw[name] = value;
  }
  const ignored = raw.redisUrl === undefined ? [] : elastiCacheOptions.filter((name) => raw[name] !== undefined);
  if (ignored.length > 0) {
    throw invalidOptions(ignored.map((option) => ({ option, message: 'has no effect with redisUrl (an existing Redis, no ElastiCache)' })));
  }
  const parsed = stackOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw invalidOptions(parsed.error.issues.map((issue) => ({ option: issue.path.join('.'), message: issue.message })));
  }
  return parsed.data;
}
