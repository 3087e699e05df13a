import { type IVpc, InterfaceVpcEndpointAwsService, Port, SecurityGroup, SubnetType, Vpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

/**
 * Where the functions and Redis live: a new VPC (private subnets, optional NAT for a public EKS
 * endpoint) or an existing one by id, the endpoints the functions call without leaving it (Lambda for the
 * hand-off, Secrets Manager), and the security groups: Redis accepts only the functions.
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
      this.subnets = { subnets: this.vpc.privateSubnets };
    } else {
      const vpc = new Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: options.natGateways,
        subnetConfiguration: [
          ...(options.natGateways > 0 ? [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }] : []),
          { name: 'private', subnetType: options.natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
        ],
        flowLogs: { all: {} },
      });
      this.vpc = vpc;
      this.subnets = { subnetType: options.natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED };
    }
    this.functions = new SecurityGroup(this, 'Functions', { vpc: this.vpc, description: 'stormgate functions', allowAllOutbound: true });
    this.redis = new SecurityGroup(this, 'Redis', { vpc: this.vpc, description: 'stormgate Redis: only the functions', allowAllOutbound: false });
    this.redis.addIngressRule(this.functions, Port.tcpRange(6379, 6380), 'Redis from the stormgate functions');
    const endpoints = new SecurityGroup(this, 'Endpoints', { vpc: this.vpc, description: 'stormgate VPC endpoints', allowAllOutbound: false });
    endpoints.addIngressRule(this.functions, Port.tcp(443), 'HTTPS from the stormgate functions');
    for (const [name, service] of [['Lambda', InterfaceVpcEndpointAwsService.LAMBDA], ['SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER]] as const) {
      // open: false — only the functions' security group may reach the endpoints (not the whole VPC CIDR).
      this.vpc.addInterfaceEndpoint(name, { service, subnets: this.subnets, securityGroups: [endpoints], privateDnsEnabled: true, open: false });
    }
  }
}
