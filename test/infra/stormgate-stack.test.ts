import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { buildApp } from '../../infra/app.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Synthesizes the app with these options; bundling is skipped unless asked for (it is tested once). */
function synth(context: Record<string, unknown> = {}, bundle = false) {
  const app = new App({ context: { ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context } });
  const { stack } = buildApp(app);
  const template = Template.fromStack(stack);
  return { app, stack, template, resources: template.toJSON().Resources as Resources };
}

const idOf = (resources: Resources, prefix: string, type: string): string => {
  const id = Object.keys(resources).find((key) => key.startsWith(prefix) && resources[key]?.Type === type);
  if (!id) throw new Error(`no ${type} starting with ${prefix}`);
  return id;
};

const policyStatements = (resources: Resources, policyPrefix: string) =>
  (resources[idOf(resources, policyPrefix, 'AWS::IAM::Policy')]?.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement;

describe('StormgateStack (defaults: serverless Valkey, new VPC, kubeconfig secret)', () => {
  const { app, template, resources } = synth({}, true);

  it('bundles each handler as handler.mjs whose start never loads the Kubernetes client or bundles the AWS SDK', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { Handler: 'handler.handler' });
    const outdir = app.synth().directory;
    for (const name of ['Ingest', 'Dedup', 'StormAggregator']) {
      const fn = resources[idOf(resources, `${name}Function`, 'AWS::Lambda::Function')];
      const key = JSON.stringify(fn?.Properties.Code).match(/([0-9a-f]{64})\.zip/)?.[1];
      const bundle = join(outdir, `asset.${key ?? 'missing'}`);
      const entry = readFileSync(join(bundle, 'handler.mjs'), 'utf8');
      expect(entry).toContain('export');
      // A method of client-node's KubeConfig that stormgate never calls: where it is, the client is.
      const marker = 'loadFromClusterAndUser';
      expect(entry.includes(marker)).toBe(false);
      expect(/@aws-sdk\/client-[a-z-]+\/dist/.test(entry)).toBe(false);
      const chunks = existsSync(join(bundle, 'chunks')) ? readdirSync(join(bundle, 'chunks')) : [];
      const kubeChunks = chunks.filter((file) => readFileSync(join(bundle, 'chunks', file), 'utf8').includes(marker));
      expect(kubeChunks).toHaveLength(name === 'Ingest' ? 0 : 1);
      for (const chunk of kubeChunks) expect(entry).not.toMatch(new RegExp(`import[^()]*from\\s*"\\./chunks/${chunk.replace('.', '\\.')}"`));
    }
  });

  it('runs the three handlers on nodejs22.x, arm64, in the VPC, with TLS to Redis as a cluster client', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      VpcConfig: Match.objectLike({ SecurityGroupIds: Match.anyValue() }),
      Environment: { Variables: Match.objectLike({ RR_NAMESPACE: 'stormgate', REDIS_TLS: 'true', REDIS_CLUSTER_NODES: Match.anyValue() }) },
    });
  });

  it('keeps Redis in private subnets, reachable only from the functions', () => {
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', SecurityGroupIds: Match.anyValue(), SubnetIds: Match.anyValue() });
    const functions = idOf(resources, 'NetworkFunctions', 'AWS::EC2::SecurityGroup');
    const redis = idOf(resources, 'NetworkRedis', 'AWS::EC2::SecurityGroup');
    const ingress = Object.values(resources).filter((resource) => resource.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(resource.Properties.GroupId).includes(redis));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.Properties).toMatchObject({ FromPort: 6379, ToPort: 6380, SourceSecurityGroupId: { 'Fn::GetAtt': [functions, 'GroupId'] } });
    expect(resources[redis]?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('gives each function only what it needs', () => {
    const dedup = idOf(resources, 'DedupFunction', 'AWS::Lambda::Function');
    const storm = idOf(resources, 'StormAggregatorFunction', 'AWS::Lambda::Function');
    const tokens = idOf(resources, 'AuthTokens', 'AWS::SecretsManager::Secret');
    const kubeconfig = idOf(resources, 'Kubeconfig', 'AWS::SecretsManager::Secret');
    const ingest = JSON.stringify(policyStatements(resources, 'IngestFunctionServiceRoleDefaultPolicy'));
    expect(ingest).toContain(dedup);
    expect(ingest).toContain(tokens);
    expect(ingest).not.toContain(storm);
    expect(ingest).not.toContain(kubeconfig);
    const dedupPolicy = JSON.stringify(policyStatements(resources, 'DedupFunctionServiceRoleDefaultPolicy'));
    expect(dedupPolicy).toContain(storm);
    expect(dedupPolicy).toContain(kubeconfig);
    expect(dedupPolicy).not.toContain(tokens);
  });

  it('sends failed async invocations and scheduled sweeps to encrypted dead-letter queues', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('routes the webhook and receipts to ingest, and answers /healthz itself', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', Integration: { Type: 'AWS_PROXY' } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{fingerprint}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', Integration: { Type: 'MOCK' } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
      AccessLogSetting: Match.anyValue(),
    });
  });

  it('alarms on 5xx, function errors and throttles, dead letters, Redis memory, CPU and evictions', () => {
    const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm').map((alarm) => String(alarm.Properties.AlarmDescription));
    expect(alarms).toHaveLength(1 + 3 * 2 + 3 + 3);
    expect(alarms).toEqual(expect.arrayContaining([expect.stringMatching(/5xx/), expect.stringMatching(/dead-letter/), expect.stringMatching(/memory above 80%/), expect.stringMatching(/CPU/), expect.stringMatching(/evicted/)]));
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::Logs::MetricFilter', 6);
  });
});

describe('StormgateStack options', () => {
  it('builds a cluster-mode replication group with TLS, encryption at rest and an AUTH token from Secrets Manager', () => {
    const { template } = synth({ 'stormgate:redisMode': 'cluster' });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ClusterMode: 'enabled',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]) }),
    });
    template.allResourcesProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ REDIS_AUTH_SECRET_ID: Match.anyValue() }) } });
  });

  it('maps the dedup and storm roles to the RBAC group with EKS access entries, and mints tokens instead of a kubeconfig secret', () => {
    const { template, resources } = synth({ 'stormgate:eksClusterName': 'prod', 'stormgate:kubeApiUrl': 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', 'stormgate:kubeCaData': 'LS0t' });
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    template.allResourcesProperties('AWS::EKS::AccessEntry', { ClusterName: 'prod', KubernetesGroups: ['stormgate-writers'], Type: 'STANDARD' });
    expect(Object.keys(resources).some((key) => key.startsWith('Kubeconfig'))).toBe(false);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ EKS_CLUSTER_NAME: 'prod', KUBE_CA_DATA: 'LS0t' }) } });
  });

  it('uses an existing VPC by id, and a WAF allow-list when CIDRs are given', () => {
    const { template } = synth({
      'stormgate:vpcId': 'vpc-0123456789abcdef0',
      'stormgate:privateSubnetIds': 'subnet-a,subnet-b',
      'stormgate:availabilityZones': 'eu-west-1a,eu-west-1b',
      'stormgate:allowedCidrs': '203.0.113.0/24',
    });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResourceProperties('AWS::WAFv2::IPSet', { Addresses: ['203.0.113.0/24'] });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('refuses invalid options, naming them', () => {
    expect(() => synth({ 'stormgate:redisMode': 'memcached' })).toThrow(/stormgate:redisMode/);
  });
});

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it('finds nothing unacknowledged in the default and in the cluster/EKS/WAF configurations', () => {
    expect(() => synth().app.synth()).not.toThrow();
    expect(() =>
      synth({ 'stormgate:redisMode': 'cluster', 'stormgate:eksClusterName': 'prod', 'stormgate:kubeApiUrl': 'https://eks.example', 'stormgate:allowedCidrs': '10.0.0.0/8', 'stormgate:natGateways': 0 }).app.synth(),
    ).not.toThrow();
  });

  it('fails synth on a finding nobody acknowledged (the check can fail)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    buildApp(app);
    // Acknowledgements are per stack: a rotation-less secret in another stack is a finding.
    new Secret(new Stack(app, 'Other'), 'Unacknowledged');
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});
