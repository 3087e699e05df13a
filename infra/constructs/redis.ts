import { Annotations } from 'aws-cdk-lib';
import { CfnParameterGroup, CfnReplicationGroup, CfnServerlessCache, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

/** Valkey 8.1 on the node-based group; its parameter family (pinned, so a new default never changes the cache under us). */
export const valkeyEngineVersion = '8.1';
const valkeyParameterFamily = 'valkey8';
const defaultNodeQuota = 90;

/**
 * ElastiCache for the shared state: a node-based replication group in cluster mode (default) or
 * Serverless Valkey. Encrypted in transit (TLS) and at rest, in private subnets, reachable only from the
 * functions' security group; the replication group also requires an AUTH token kept in Secrets Manager.
 * Either way the functions connect as a cluster client with TLS (REDIS_CLUSTER_NODES, REDIS_TLS).
 *
 * Why cluster mode is the default: its parameter group sets `maxmemory-policy noeviction`, so a full
 * cache refuses writes and stormgate answers 503 (Alertmanager retries) instead of silently evicting
 * episodes and storm windows. Serverless evicts with a fixed `volatile-lru` at its data limit, and every
 * stormgate key has a TTL: it is offered with an alarm at 75% of that limit (README, "Redis").
 */
export class Redis extends Construct {
  readonly environment: Record<string, string>;
  readonly authSecret?: Secret;
  /** For alarms: the CloudWatch dimensions of each place the metrics are published (the cache, or each member node). */
  readonly metricDimensions: Record<string, string>[];
  readonly mode: StackOptions['redisMode'];

  constructor(scope: Construct, id: string, props: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup; options: StackOptions }) {
    super(scope, id);
    const { options } = props;
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.mode = options.redisMode;
    if (options.redisMode === 'serverless') {
      // Its own construct id: switching modes creates the other resource instead of changing a resource's type.
      const cache = new CfnServerlessCache(this, 'Serverless', {
        serverlessCacheName: options.namePrefix,
        engine: 'valkey',
        majorEngineVersion: '8',
        subnetIds,
        securityGroupIds: [props.securityGroup.securityGroupId],
        cacheUsageLimits: {
          dataStorage: { maximum: options.redisMaxDataGb, unit: 'GB' },
          ecpuPerSecond: { maximum: options.redisMaxEcpuPerSecond },
        },
        dailySnapshotTime: '04:00',
        snapshotRetentionLimit: 1,
      });
      this.environment = { REDIS_CLUSTER_NODES: `${cache.attrEndpointAddress}:${cache.attrEndpointPort}`, REDIS_TLS: 'true' };
      this.metricDimensions = [{ clusterId: options.namePrefix }];
      return;
    }
    this.authSecret = new Secret(this, 'AuthToken', {
      description: 'stormgate Redis AUTH token',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });
    const subnetGroup = new CfnSubnetGroup(this, 'Subnets', { description: 'stormgate Redis', subnetIds });
    // Cluster mode on (one shard would otherwise come up with it off, and the configuration endpoint
    // would not exist), and noeviction: a full cache must refuse writes, never drop state.
    const parameters = new CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: valkeyParameterFamily,
      description: 'stormgate: cluster mode, noeviction',
      properties: { 'cluster-enabled': 'yes', 'maxmemory-policy': 'noeviction' },
    });
    const group = new CfnReplicationGroup(this, 'Cluster', {
      replicationGroupId: options.namePrefix,
      replicationGroupDescription: 'stormgate shared state',
      engine: 'valkey',
      engineVersion: valkeyEngineVersion,
      cacheParameterGroupName: parameters.ref,
      cacheNodeType: options.redisNodeType,
      clusterMode: 'enabled',
      numNodeGroups: options.redisShards,
      replicasPerNodeGroup: options.redisReplicasPerShard,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      port: 6379,
      snapshotRetentionLimit: 1,
      autoMinorVersionUpgrade: true,
    });
    // A shard count change reshards online; without the policy CloudFormation replaces the group (and a
    // named group cannot be replaced in place).
    group.cfnOptions.updatePolicy = { useOnlineResharding: true };
    this.environment = {
      REDIS_CLUSTER_NODES: `${group.attrConfigurationEndPointAddress}:${group.attrConfigurationEndPointPort}`,
      REDIS_TLS: 'true',
      REDIS_AUTH_SECRET_ID: this.authSecret.secretArn,
    };
    this.metricDimensions = memberNodes(options.namePrefix, options.redisShards, options.redisReplicasPerShard);
    if (this.metricDimensions.length > defaultNodeQuota) {
      Annotations.of(this).addWarningV2(
        'stormgate:redisNodeQuota',
        `${this.metricDimensions.length} Redis nodes: above ElastiCache's default quota of ${defaultNodeQuota} nodes per cluster; ask for an increase before deploying`,
      );
    }
  }
}

/**
 * Node metrics of a cluster-mode group are published per member cluster (`<group>-<shard>-<node>`, node
 * 0001), never per replication group: one dimension set per member, primaries and replicas alike.
 */
export function memberNodes(groupId: string, shards: number, replicasPerShard: number): Record<string, string>[] {
  const members: Record<string, string>[] = [];
  for (let shard = 1; shard <= shards; shard++) {
    for (let node = 1; node <= replicasPerShard + 1; node++) {
      members.push({ CacheClusterId: `${groupId}-${String(shard).padStart(4, '0')}-${String(node).padStart(3, '0')}`, CacheNodeId: '0001' });
    }
  }
  return members;
}
