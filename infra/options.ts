import * as z from 'zod';

/**
 * Every deployment option, read from cdk.json context (`stormgate:<name>`) or `-c stormgate:<name>=…`,
 * validated once. Defaults in the schema are the documented defaults.
 */
const list = z.union([z.array(z.string()), z.string().transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean))]);
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);
const count = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

export const stackOptionsSchema = z.object({
  /** Namespace of the RemediationRequests. */
  rrNamespace: z.string().default('stormgate'),
  /** An existing VPC to use instead of a new one (with its private subnet ids and their AZs). */
  vpcId: z.string().optional(),
  privateSubnetIds: list.default([]),
  availabilityZones: list.default([]),
  /** NAT gateways of a new VPC: 1 reaches a public EKS endpoint; 0 for a private endpoint in the VPC. */
  natGateways: count(1),
  /** An existing Redis instead of ElastiCache (LocalStack: the compose file's Valkey). */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** ElastiCache: `serverless` (Valkey, pay per use) or `cluster` (node-based replication group, cluster mode). */
  redisMode: z.enum(['serverless', 'cluster']).default('serverless'),
  redisNodeType: z.string().default('cache.t4g.micro'),
  redisShards: count(1),
  redisReplicasPerShard: count(1),
  /** Serverless limits (they bound the cost). */
  redisMaxDataGb: count(1),
  redisMaxEcpuPerSecond: count(5000),
  /** Kubernetes: EKS (token minted from the functions' role) or any cluster through a kubeconfig secret. */
  eksClusterName: z.string().optional(),
  kubeApiUrl: z.string().optional(),
  kubeCaData: z.string().optional(),
  /** Create an EKS access entry mapping the functions' roles to the RBAC group of infra/k8s/rbac.yaml. */
  eksAccessEntry: flag.default(true),
  /** API Gateway stage throttling (requests per second, burst). */
  apiRateLimit: count(50),
  apiBurstLimit: count(100),
  /** Optional custom domain with an ACM certificate; mutual TLS with a truststore in S3. */
  domainName: z.string().optional(),
  certificateArn: z.string().optional(),
  mtlsTruststoreUri: z.string().optional(),
  /** Optional WAF web ACL; with CIDRs, only those sources may call the API. */
  waf: flag.default(false),
  allowedCidrs: list.default([]),
  /** Reserved concurrency caps (contain a runaway, e.g. a retry storm); 0 reserves nothing. */
  dedupConcurrency: count(50),
  stormConcurrency: count(5),
  /** Alarm notifications. */
  alarmEmail: z.string().optional(),
  /** Extra function environment (tuning from DESIGN.md: STORM_THRESHOLD, …). */
  environment: z.record(z.string(), z.string()).default({}),
});

export type StackOptions = z.infer<typeof stackOptionsSchema>;

export function readStackOptions(context: (key: string) => unknown): StackOptions {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(stackOptionsSchema.shape)) {
    const value = context(`stormgate:${name}`);
    if (value !== undefined) raw[name] = value;
  }
  const parsed = stackOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid stormgate options: ${parsed.error.issues.map((issue) => `stormgate:${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}
