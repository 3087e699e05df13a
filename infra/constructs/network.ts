import { type IVpc, InterfaceVpcEndpointAwsService, Port, SecurityGroup, SubnetType, Vpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Annotations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

/**
 * Where the functions and Redis live: a new VPC (private subnets behind NAT, the way to a public EKS
 * endpoint or any other cluster's API) or an existing one by id (e.g. the EKS cluster's own VPC, for a
 * private endpoint), the endpoints the functions call without leaving it (Lambda for the hand-off,
 * Secrets Manager; off when the VPC already has them), and the security groups: Redis accepts only the
 * functions.
 */
export class Network extends Construct {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly functions: SecurityGroup;
  readonly redis: SecurityGroup;

  constructor(scope: Construct, id: string, options: StackOptions) {
    super(scope, id);
    if (options.vpcId) {
      // Attributes instead of a lookup: `cdk synth` works offline and without an account.
      this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: options.vpcId, availabilityZones: options.availabilityZones, privateSubnetIds: options.privateSubnetIds });
      // Nothing here reads the subnets' route tables (interface endpoints and ENIs need none).
      Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'stormgate adds no routes to an existing VPC');
      this.subnets = { subnets: this.vpc.privateSubnets };
    } else {
      // options.ts refuses 0: a new VPC without NAT has no way to any Kubernetes API.
      const natGateways = options.natGateways ?? 1;
      this.vpc = new Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways,
        subnetConfiguration: [
          { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        ],
        flowLogs: { all: {} },
      });
      this.subnets = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
    }
    this.functions = new SecurityGroup(this, 'Functions', { vpc: this.vpc, description: 'stormgate functions', allowAllOutbound: true });
    this.redis = new SecurityGroup(this, 'Redis', { vpc: this.vpc, description: 'stormgate Redis: only the functions', allowAllOutbound: false });
    this.redis.addIngressRule(this.functions, Port.tcpRange(6379, 6380), 'Redis from the stormgate functions');
    if (options.vpcEndpoints) {
      const endpoints = new SecurityGroup(this, 'Endpoints', { vpc: this.vpc, description: 'stormgate VPC endpoints', allowAllOutbound: false });
      endpoints.addIngressRule(this.functions, Port.tcp(443), 'HTTPS from the stormgate functions');
      for (const [name, service] of [['Lambda', InterfaceVpcEndpointAwsService.LAMBDA], ['SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER]] as const) {
        // open: false — only the functions' security group may reach the endpoints (not the whole VPC CIDR).
        this.vpc.addInterfaceEndpoint(name, { service, subnets: this.subnets, securityGroups: [endpoints], privateDnsEnabled: true, open: false });
      }
    }
  }
}
