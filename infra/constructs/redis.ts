import { CfnReplicationGroup, CfnServerlessCache, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

/**
 * ElastiCache for the shared state: Serverless Valkey (default) or a node-based replication group in
 * cluster mode. Encrypted in transit (TLS) and at rest, in private subnets, reachable only from the
 * functions' security group; the replication group also requires an AUTH token kept in Secrets Manager.
 * Either way the functions connect as a cluster client with TLS (REDIS_CLUSTER_NODES, REDIS_TLS).
 */
export class Redis extends Construct {
  readonly environment: Record<string, string>;
  readonly authSecret?: Secret;
  /** For alarms: the cache's CloudWatch dimension. */
  readonly metricDimensions: Record<string, string>;
  readonly mode: StackOptions['redisMode'];

  constructor(scope: Construct, id: string, props: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup; options: StackOptions }) {
    super(scope, id);
    const { options } = props;
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.mode = options.redisMode;
    if (options.redisMode === 'serverless') {
      const cache = new CfnServerlessCache(this, 'Cache', {
        serverlessCacheName: 'stormgate',
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
      this.metricDimensions = { clusterId: 'stormgate' };
    } else {
      this.authSecret = new Secret(this, 'AuthToken', {
        description: 'stormgate Redis AUTH token',
        generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      });
      const subnetGroup = new CfnSubnetGroup(this, 'Subnets', { description: 'stormgate Redis', subnetIds });
      const group = new CfnReplicationGroup(this, 'Cache', {
        replicationGroupDescription: 'stormgate shared state',
        engine: 'valkey',
        cacheNodeType: options.redisNodeType,
        clusterMode: 'enabled',
        numNodeGroups: Math.max(1, options.redisShards),
        replicasPerNodeGroup: options.redisReplicasPerShard,
        automaticFailoverEnabled: true,
        multiAzEnabled: options.redisReplicasPerShard > 0,
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
        authToken: this.authSecret.secretValue.unsafeUnwrap(),
        cacheSubnetGroupName: subnetGroup.ref,
        securityGroupIds: [props.securityGroup.securityGroupId],
        port: 6379,
        snapshotRetentionLimit: 1,
        autoMinorVersionUpgrade: true,
      });
      this.environment = {
        REDIS_CLUSTER_NODES: `${group.attrConfigurationEndPointAddress}:${group.attrConfigurationEndPointPort}`,
        REDIS_TLS: 'true',
        REDIS_AUTH_SECRET_ID: this.authSecret.secretArn,
      };
      this.metricDimensions = { ReplicationGroupId: group.ref };
    }
  }
}
