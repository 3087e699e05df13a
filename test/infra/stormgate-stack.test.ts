import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { buildApp } from '../../infra/app.js';
import { memberNodes, valkeyEngineVersion } from '../../infra/constructs/redis.js';
import { kubeconfigPlaceholder } from '../../lib/kube/kubeconfig-placeholder.js';
import { functionTiming } from '../../lib/runtime/function-timing.js';
import { stormgateMetrics } from '../../lib/telemetry/metrics.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Resources = Record<string, Resource>;

/** Synthesizes the app with these options; bundling is skipped unless asked for (it is tested once). */
function synth(context: Record<string, unknown> = {}, bundle = false) {
  const app = new App({ context: { ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context } });
  const { stack } = buildApp(app);
  const template = Template.fromStack(stack);
  const json = template.toJSON() as { Resources: Resources; Outputs: Record<string, { Value: unknown }> };
  return { app, stack, template, resources: json.Resources, outputs: json.Outputs };
}

const idOf = (resources: Resources, prefix: string, type: string): string => {
  const id = Object.keys(resources).find((key) => key.startsWith(prefix) && resources[key]?.Type === type);
  if (!id) throw new Error(`no ${type} starting with ${prefix}`);
  return id;
};
const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

const policyStatements = (resources: Resources, policyPrefix: string) =>
  (resources[idOf(resources, policyPrefix, 'AWS::IAM::Policy')]?.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement;

const eks = { 'stormgate:eksClusterName': 'prod', 'stormgate:kubeApiUrl': 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', 'stormgate:kubeCaData': 'LS0tCg==' };
const existingVpc = {
  'stormgate:vpcId': 'vpc-0123456789abcdef0',
  'stormgate:privateSubnetIds': 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  'stormgate:availabilityZones': 'eu-west-1a,eu-west-1b',
};
const customDomain = { 'stormgate:domainName': 'alerts.example.com', 'stormgate:certificateArn': 'arn:aws:acm:eu-west-1:123456789012:certificate/0f0e' };
const everything = {
  ...eks,
  ...customDomain,
  'stormgate:mtlsTruststoreUri': 's3://stormgate-truststore/ca.pem',
  'stormgate:waf': 'true',
  'stormgate:allowedCidrs': '203.0.113.0/24,2001:db8::/32',
  'stormgate:alarmEmail': 'oncall@example.com',
  'stormgate:dedupConcurrency': 50,
  'stormgate:stormConcurrency': 5,
};

/** The alarms' metric dimensions, whether an alarm watches one metric or math over several. */
function alarmDimensions(alarm: Resource): { Name: string; Value: unknown }[][] {
  const properties = alarm.Properties as { Dimensions?: { Name: string; Value: unknown }[]; Metrics?: { MetricStat?: { Metric: { Dimensions?: { Name: string; Value: unknown }[] } } }[] };
  if (properties.Dimensions) return [properties.Dimensions];
  return (properties.Metrics ?? []).flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.Dimensions ?? []] : []));
}

describe('StormgateStack (defaults: cluster-mode Valkey, new VPC, kubeconfig secret)', () => {
  const { app, template, resources, outputs } = synth({}, true);

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
      Environment: { Variables: Match.objectLike({ RR_NAMESPACE: 'stormgate', REDIS_TLS: 'true', REDIS_CLUSTER_NODES: Match.anyValue(), REDIS_AUTH_SECRET_ID: Match.anyValue() }) },
    });
  });

  it('keeps Redis in private subnets, reachable only from the functions', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: 'valkey', SecurityGroupIds: Match.anyValue(), CacheSubnetGroupName: Match.anyValue() });
    const functions = idOf(resources, 'NetworkFunctions', 'AWS::EC2::SecurityGroup');
    const redis = idOf(resources, 'NetworkRedis', 'AWS::EC2::SecurityGroup');
    const ingress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').filter(([, resource]) => JSON.stringify(resource.Properties.GroupId).includes(redis));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.[1].Properties).toMatchObject({ FromPort: 6379, ToPort: 6380, SourceSecurityGroupId: { 'Fn::GetAtt': [functions, 'GroupId'] } });
    expect(resources[redis]?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('makes a full cache refuse writes (noeviction) instead of dropping state, with cluster mode on and the engine pinned (points 6, 13)', () => {
    const parameters = idOf(resources, 'RedisParameters', 'AWS::ElastiCache::ParameterGroup');
    expect(resources[parameters]?.Properties).toEqual({
      CacheParameterGroupFamily: 'valkey8',
      Description: expect.any(String),
      Properties: { 'cluster-enabled': 'yes', 'maxmemory-policy': 'noeviction' },
    });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ReplicationGroupId: 'stormgate',
      EngineVersion: valkeyEngineVersion,
      CacheParameterGroupName: { Ref: parameters },
      ClusterMode: 'enabled',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
      MultiAZEnabled: true,
    });
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
  });

  it('reshards online when the shard count changes, and gives each Redis mode its own resource (switching never changes a resource’s type)', () => {
    const group = ofType(resources, 'AWS::ElastiCache::ReplicationGroup');
    expect(group).toHaveLength(1);
    expect((group[0]?.[1] as Resource & { UpdatePolicy?: unknown }).UpdatePolicy).toEqual({ UseOnlineResharding: true });
    const serverless = ofType(synth({ 'stormgate:redisMode': 'serverless' }).resources, 'AWS::ElastiCache::ServerlessCache');
    expect(serverless).toHaveLength(1);
    expect(serverless[0]?.[0]).not.toBe(group[0]?.[0]);
  });

  it('gives each function only what it needs (dedup invokes nothing; nothing names the storm aggregator)', () => {
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
    expect(dedupPolicy).not.toContain('lambda:InvokeFunction');
    expect(dedupPolicy).toContain(kubeconfig);
    expect(dedupPolicy).not.toContain(tokens);
    expect(JSON.stringify(resources)).not.toContain('STORM_AGGREGATOR_FUNCTION_NAME');
  });

  it('sends failed async invocations (dedup, the sweep) to encrypted dead-letter queues; ingest, invoked only synchronously, has none (point 15)', () => {
    const configs = ofType(resources, 'AWS::Lambda::EventInvokeConfig');
    expect(configs.map(([, config]) => JSON.stringify(config.Properties.FunctionName)).sort()).toEqual(
      [JSON.stringify({ Ref: idOf(resources, 'DedupFunction', 'AWS::Lambda::Function') }), JSON.stringify({ Ref: idOf(resources, 'StormAggregatorFunction', 'AWS::Lambda::Function') })].sort(),
    );
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('times the functions so that a sweep never outlives its lease and ingest answers before API Gateway gives up (point 15)', () => {
    const timeout = (name: string) => resources[idOf(resources, `${name}Function`, 'AWS::Lambda::Function')]?.Properties.Timeout as number;
    expect(timeout('StormAggregator')).toBe(functionTiming.sweep.timeoutSeconds);
    expect(timeout('StormAggregator')).toBeLessThan(functionTiming.sweep.leaseSeconds);
    expect(timeout('Ingest')).toBe(functionTiming.ingest.timeoutSeconds);
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', Integration: Match.objectLike({ TimeoutInMillis: 9_000 }) });
    expect(timeout('Ingest') * 1000).toBeLessThan(9_000);
    expect(functionTiming.ingest.answerMarginMs).toBeLessThan(timeout('Ingest') * 1000);
  });

  it('reserves no concurrency by default (new accounts cannot), and reserves what is asked for (point 5)', () => {
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const reserved = synth({ 'stormgate:dedupConcurrency': 50, 'stormgate:stormConcurrency': 5 });
    reserved.template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KUBECONFIG_SECRET_ID: Match.anyValue() }) }, ReservedConcurrentExecutions: 50 });
    reserved.template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
  });

  it('routes the webhook and receipts to ingest, and answers /healthz itself', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', TimeoutInMillis: 9_000, Uri: Match.anyValue() } });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{fingerprint}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', Integration: { Type: 'MOCK' } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
      AccessLogSetting: Match.anyValue(),
    });
  });

  it('sets API Gateway’s account CloudWatch role that access logging needs, kept when the stack goes; or leaves it to the account (point 3)', () => {
    const [account] = ofType(resources, 'AWS::ApiGateway::Account');
    expect(account?.[1]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^WebhookApiCloudWatchRole/), 'Arn'] } } });
    const withoutRole = synth({ 'stormgate:apiGatewayCloudWatchRole': 'false' });
    withoutRole.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    withoutRole.template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.anyValue() });
  });

  it('alarms on 5xx, async function errors and throttles, dead letters, and each Redis node’s memory, CPU and evictions', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => String(alarm.Properties.AlarmDescription));
    expect(alarms).toHaveLength(1 + 3 * 2 + 2 + 3 + 2);
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/5xx/),
        expect.stringMatching(/dead-letter/),
        expect.stringMatching(/memory above 75%/),
        expect.stringMatching(/CPU/),
        expect.stringMatching(/evicted/),
        expect.stringMatching(/waited more than 2 minutes/),
        expect.stringMatching(/More than 50 RemediationRequests/),
      ]),
    );
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it("graphs and alarms on the functions' own metrics (Powertools EMF in the namespace the functions publish to), not log metric filters", () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    const functions = ofType(resources, 'AWS::Lambda::Function').filter(([id]) => /^(Ingest|Dedup|StormAggregator)Function/.test(id));
    expect(functions).toHaveLength(3);
    for (const [, fn] of functions) expect(fn.Properties.Environment).toMatchObject({ Variables: { POWERTOOLS_METRICS_NAMESPACE: 'Stormgate/stormgate' } });
    const dashboard = JSON.stringify(ofType(resources, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody);
    for (const name of Object.keys(stormgateMetrics)) expect(dashboard).toContain(`\\"Stormgate/stormgate\\",\\"${name}\\",\\"service\\",\\"stormgate\\"`);
    const flood = resources[idOf(resources, 'MonitoringRequestFlood', 'AWS::CloudWatch::Alarm')]?.Properties;
    expect(flood).toMatchObject({ Namespace: 'Stormgate/stormgate', MetricName: 'RequestsCreated', Dimensions: [{ Name: 'service', Value: 'stormgate' }], Statistic: 'Sum', Period: 300, Threshold: 50 });
    const latency = resources[idOf(resources, 'MonitoringDecisionLatency', 'AWS::CloudWatch::Alarm')]?.Properties;
    expect(latency).toMatchObject({ Namespace: 'Stormgate/stormgate', MetricName: 'DecisionLatency', ExtendedStatistic: 'p99', Threshold: 120_000 });
    const tuned = synth({ 'stormgate:requestFloodAlarm': '10' }).template;
    tuned.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RequestsCreated', Threshold: 10, AlarmDescription: Match.stringLikeRegexp('More than 10 RemediationRequests') });
  });

  it('watches every member node of the group (node metrics carry CacheClusterId/CacheNodeId, never ReplicationGroupId) (point 11)', () => {
    const redisAlarms = ofType(resources, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('MonitoringRedis'));
    expect(redisAlarms).toHaveLength(3);
    for (const [, alarm] of redisAlarms) {
      expect(alarmDimensions(alarm)).toEqual([
        [{ Name: 'CacheClusterId', Value: 'stormgate-0001-001' }, { Name: 'CacheNodeId', Value: '0001' }],
        [{ Name: 'CacheClusterId', Value: 'stormgate-0001-002' }, { Name: 'CacheNodeId', Value: '0001' }],
      ]);
    }
    expect(JSON.stringify(resources)).not.toContain('ReplicationGroupId"}');
    expect(JSON.stringify(redisAlarms)).not.toContain('"Name":"ReplicationGroupId"');
  });

  it('lets CloudWatch publish to the encrypted alarm topic: its key and the topic admit alarms of this account (point 2)', () => {
    const key = resources[idOf(resources, 'MonitoringAlarmsKey', 'AWS::KMS::Key')]?.Properties.KeyPolicy as { Statement: { Principal: unknown; Action: unknown; Condition?: unknown }[] };
    expect(key.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('creates the kubeconfig secret with a placeholder the functions recognise, not a random password (point 10)', () => {
    const secret = resources[idOf(resources, 'Kubeconfig', 'AWS::SecretsManager::Secret')];
    expect(secret?.Properties.SecretString).toBe(kubeconfigPlaceholder);
    expect(secret?.Properties.GenerateSecretString).toBeUndefined();
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/kubeconfig-AbCdEf';
    const existing = synth({ 'stormgate:kubeconfigSecretArn': arn });
    expect(ofType(existing.resources, 'AWS::SecretsManager::Secret').map(([id]) => id).filter((id) => id.startsWith('Kubeconfig'))).toEqual([]);
    existing.template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KUBECONFIG_SECRET_ID: arn }) } });
  });

  it('outputs the webhook URL, the secrets to fill, and what a cluster admin must allow', () => {
    expect(JSON.stringify(outputs.WebhookUrl?.Value)).toContain('execute-api');
    expect(JSON.stringify(outputs.WebhookUrl?.Value)).toContain('/v1/alerts/alertmanager');
    expect(Object.keys(outputs).sort()).toEqual([
      'AuthTokensSecret',
      'DedupDeadLetterQueueUrl',
      'DedupFunctionName',
      'DedupRoleArn',
      'FunctionsSecurityGroup',
      'KubeconfigSecret',
      'StormAggregatorRoleArn',
      'WebhookUrl',
    ]);
  });

  it('outputs the queue that holds the failed dedup batches and the function the README redrive sends them back to', () => {
    const dedupInvokeConfig = Object.values(resources).find(
      (resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig' && JSON.stringify(resource.Properties).includes(JSON.stringify(outputs.DedupFunctionName?.Value)),
    );
    const onFailure = (dedupInvokeConfig?.Properties as { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [string, string] } } } }).DestinationConfig.OnFailure.Destination;
    // The output names the same queue that the dedup function's failures go to.
    expect(outputs.DedupDeadLetterQueueUrl?.Value).toEqual({ Ref: onFailure['Fn::GetAtt'][0] });
  });

  it('puts interface endpoints for Lambda and Secrets Manager in the new VPC, behind one NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
});

describe('StormgateStack options', () => {
  it('leaves the defaults to infra/options.ts: cdk.json sets no stormgate option, so -c options combine as documented', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    expect(Object.keys(cdkJson.context).filter((key) => key.startsWith('stormgate:'))).toEqual([]);
    expect(() => synth({ ...cdkJson.context, ...existingVpc })).not.toThrow();
  });

  it('serverless: evicting at its data limit, so alarmed at 75% of it (point 13)', () => {
    const { template, resources } = synth({ 'stormgate:redisMode': 'serverless', 'stormgate:redisMaxDataGb': 2 });
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { ServerlessCacheName: 'stormgate', Engine: 'valkey', CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' } } });
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    const memory = resources[idOf(resources, 'MonitoringRedisMemory', 'AWS::CloudWatch::Alarm')];
    expect(memory?.Properties).toMatchObject({ Threshold: 75, AlarmDescription: expect.stringMatching(/serverless limit/) });
    expect(JSON.stringify(memory?.Properties.Metrics)).toContain(`${2 * 1024 ** 3}`);
    expect(alarmDimensions(memory as Resource)).toEqual([[{ Name: 'clusterId', Value: 'stormgate' }]]);
  });

  it('watches every member of a larger group, at most 10 metrics per alarm', () => {
    expect(memberNodes('sg', 2, 2).map((node) => node.CacheClusterId)).toEqual(['sg-0001-001', 'sg-0001-002', 'sg-0001-003', 'sg-0002-001', 'sg-0002-002', 'sg-0002-003']);
    const { resources } = synth({ 'stormgate:redisShards': 4, 'stormgate:redisReplicasPerShard': 2 });
    const memory = ofType(resources, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('MonitoringRedisMemory'));
    expect(memory).toHaveLength(2);
    const watched = memory.flatMap(([, alarm]) => alarmDimensions(alarm).map((dimensions) => dimensions[0]?.Value));
    expect(watched.sort()).toEqual(memberNodes('stormgate', 4, 2).map((node) => node.CacheClusterId).sort());
  });

  it('names everything from namePrefix, so that two stacks coexist in one account and region (point 15)', () => {
    expect(synth().stack.stackName).toBe('Stormgate');
    const { template, stack } = synth({ 'stormgate:namePrefix': 'sg-staging' });
    expect(stack.stackName).toBe('Stormgate-sg-staging');
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { ReplicationGroupId: 'sg-staging' });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'sg-staging' });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'sg-staging' });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_METRICS_NAMESPACE: 'Stormgate/sg-staging' }) } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Stormgate/sg-staging', MetricName: 'RequestsCreated' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ Dimensions: Match.arrayWith([{ Name: 'CacheClusterId', Value: 'sg-staging-0001-001' }]) }) }) })]) });
  });

  it('maps the dedup and storm roles to the RBAC group with EKS access entries, and mints tokens instead of a kubeconfig secret', () => {
    const { template, resources } = synth(eks);
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    template.allResourcesProperties('AWS::EKS::AccessEntry', { ClusterName: 'prod', KubernetesGroups: ['stormgate-writers'], Type: 'STANDARD' });
    expect(Object.keys(resources).some((key) => key.startsWith('Kubeconfig'))).toBe(false);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ EKS_CLUSTER_NAME: 'prod', KUBE_API_URL: eks['stormgate:kubeApiUrl'], KUBE_CA_DATA: 'LS0tCg==' }) } });
    synth({ ...eks, 'stormgate:eksAccessEntry': 'false' }).template.resourceCountIs('AWS::EKS::AccessEntry', 0);
  });

  it('uses an existing VPC by id, with or without its own endpoints (point 7), and a WAF allow-list of IPv4 and IPv6 sources', () => {
    const { template } = synth({ ...existingVpc, 'stormgate:allowedCidrs': '203.0.113.0/24,2001:db8::/32' });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV4', Addresses: ['203.0.113.0/24'] });
    template.hasResourceProperties('AWS::WAFv2::IPSet', { IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'allowed-sources-only', Statement: { NotStatement: { Statement: { OrStatement: { Statements: Match.arrayWith([Match.objectLike({ IPSetReferenceStatement: Match.anyValue() })]) } } } } })]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    synth({ ...existingVpc, 'stormgate:vpcEndpoints': 'false' }).template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it('with a custom domain, outputs its URL and DNS target; with mutual TLS, only the domain is a way in (point 12)', () => {
    const { template, outputs } = synth({ ...customDomain, 'stormgate:mtlsTruststoreUri': 's3://stormgate-truststore/ca.pem' });
    expect(outputs.WebhookUrl?.Value).toBe('https://alerts.example.com/v1/alerts/alertmanager');
    expect(JSON.stringify(outputs.CustomDomainTarget?.Value)).toContain('RegionalDomainName');
    expect(JSON.stringify(outputs.CustomDomainHostedZoneId?.Value)).toContain('RegionalHostedZoneId');
    expect(JSON.stringify(outputs)).not.toContain('execute-api');
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGateway::DomainName', { MutualTlsAuthentication: { TruststoreUri: 's3://stormgate-truststore/ca.pem' } });
    const withoutMtls = synth(customDomain);
    expect(withoutMtls.outputs.WebhookUrl?.Value).toBe('https://alerts.example.com/v1/alerts/alertmanager');
    withoutMtls.template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: false });
  });

  it('keeps what an alarm email could not be sent in a queue (point 1)', () => {
    const { template } = synth({ 'stormgate:alarmEmail': 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', RedrivePolicy: { deadLetterTargetArn: Match.anyValue() } });
  });

  it('passes tuning variables through (from cdk.json, or as JSON with -c), checked as the functions will check them', () => {
    const { template } = synth({ 'stormgate:environment': { STORM_THRESHOLD: '10', STORM_HOLD_SECONDS: '0' } });
    template.allResourcesProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ STORM_THRESHOLD: '10', STORM_HOLD_SECONDS: '0' }) } });
    synth({ 'stormgate:environment': '{"STORM_THRESHOLD":"12"}' }).template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STORM_THRESHOLD: '12' }) },
    });
  });

  it('warns above ElastiCache’s default quota of 90 nodes per group, not at it', () => {
    const at = synth({ 'stormgate:redisShards': 45, 'stormgate:redisReplicasPerShard': 1 });
    expect(Annotations.fromStack(at.stack).findWarning('*', Match.stringLikeRegexp('default quota'))).toEqual([]);
    const above = synth({ 'stormgate:redisShards': 46, 'stormgate:redisReplicasPerShard': 1 });
    Annotations.fromStack(above.stack).hasWarning('*', Match.stringLikeRegexp('92 Redis nodes: above ElastiCache.s default quota of 90'));
  });

  // Each row: options, and what the error must say. Boundaries are tested on both sides below.
  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown Redis mode', { 'stormgate:redisMode': 'memcached' }, /stormgate:redisMode/],
    ['EKS without its endpoint (point 9)', { 'stormgate:eksClusterName': 'prod', 'stormgate:kubeCaData': 'LS0tCg==' }, /stormgate:kubeApiUrl: eksClusterName needs kubeApiUrl/],
    ['EKS without its CA (point 9)', { 'stormgate:eksClusterName': 'prod', 'stormgate:kubeApiUrl': 'https://ABC.eks.amazonaws.com' }, /stormgate:kubeCaData: eksClusterName needs kubeCaData/],
    ['an EKS endpoint without the cluster name', { 'stormgate:kubeApiUrl': 'https://ABC.eks.amazonaws.com' }, /stormgate:kubeApiUrl: .*need eksClusterName/],
    ['a plain-http EKS endpoint', { ...eks, 'stormgate:kubeApiUrl': 'http://ABC.eks.amazonaws.com' }, /stormgate:kubeApiUrl: must be the https:\/\//],
    ['a kubeconfig secret with EKS', { ...eks, 'stormgate:kubeconfigSecretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf' }, /stormgate:kubeconfigSecretArn/],
    ['a new VPC without NAT (point 8)', { 'stormgate:natGateways': 0 }, /stormgate:natGateways: a new VPC without NAT has no way to any Kubernetes API/],
    ['NAT gateways with an existing VPC (point 8)', { ...existingVpc, 'stormgate:natGateways': 1 }, /stormgate:natGateways: applies only to a new VPC/],
    ['an existing VPC without subnets', { 'stormgate:vpcId': 'vpc-0123456789abcdef0' }, /stormgate:privateSubnetIds: vpcId needs the private subnet ids/],
    ['subnets and zones that do not pair up', { ...existingVpc, 'stormgate:availabilityZones': 'eu-west-1a' }, /stormgate:availabilityZones: needs one availability zone per private subnet id/],
    ['a CIDR with host bits set', { 'stormgate:allowedCidrs': '10.0.0.1/8' }, /stormgate:allowedCidrs\.0: 10\.0\.0\.1\/8 has host bits set; use the network address 10\.0\.0\.0\/8/],
    ['everyone (/0)', { 'stormgate:allowedCidrs': '203.0.113.0/24,0.0.0.0/0' }, /stormgate:allowedCidrs\.1: 0\.0\.0\.0\/0: the prefix must be 1-32/],
    ['no CIDR at all', { 'stormgate:allowedCidrs': 'office' }, /stormgate:allowedCidrs\.0: office is not an IPv4 or IPv6 CIDR/],
    ['an IPv6 CIDR with host bits set', { 'stormgate:allowedCidrs': '2001:db8::1/32' }, /2001:db8::1\/32 has host bits set; use the network address 2001:db8:0:0:0:0:0:0\/32/],
    ['a rate limit of 0', { 'stormgate:apiRateLimit': 0 }, /stormgate:apiRateLimit: must be at least 1/],
    ['a burst below the rate', { 'stormgate:apiRateLimit': 100, 'stormgate:apiBurstLimit': 99 }, /stormgate:apiBurstLimit: must be at least apiRateLimit \(100\)/],
    ['a serverless data limit of 0', { 'stormgate:redisMaxDataGb': 0 }, /stormgate:redisMaxDataGb: must be at least 1/],
    ['no shards', { 'stormgate:redisShards': 0 }, /stormgate:redisShards: must be at least 1/],
    ['too many replicas', { 'stormgate:redisReplicasPerShard': 6 }, /stormgate:redisReplicasPerShard: must be at most 5/],
    ['no replica (no failover: a failed node would lose the state)', { 'stormgate:redisReplicasPerShard': 0 }, /stormgate:redisReplicasPerShard: must be at least 1/],
    ['three NAT gateways for two zones', { 'stormgate:natGateways': 3 }, /stormgate:natGateways: must be at most 2/],
    ['an uppercase name prefix', { 'stormgate:namePrefix': 'Stormgate' }, /stormgate:namePrefix: must be 1-24 lowercase letters/],
    ['a name prefix of 25 characters', { 'stormgate:namePrefix': 'a'.repeat(25) }, /stormgate:namePrefix/],
    ['a name prefix with a double hyphen', { 'stormgate:namePrefix': 'sg--b' }, /stormgate:namePrefix/],
    ['a domain without a certificate', { 'stormgate:domainName': 'alerts.example.com' }, /stormgate:domainName: domainName and certificateArn go together/],
    ['mutual TLS without a domain', { 'stormgate:mtlsTruststoreUri': 's3://bucket/ca.pem' }, /stormgate:mtlsTruststoreUri: mutual TLS needs domainName/],
    ['a misspelt tuning variable', { 'stormgate:environment': { STORM_TRESHOLD: '5' } }, /stormgate:environment: STORM_TRESHOLD is not a stormgate variable/],
    ['a variable the stack owns', { 'stormgate:environment': { REDIS_URL: 'redis://elsewhere:6379' } }, /stormgate:environment: REDIS_URL is set by the stack/],
    ['a tuning value the functions would refuse', { 'stormgate:environment': { STORM_THRESHOLD: '0' } }, /stormgate:environment: STORM_THRESHOLD: /],
    ['an alarm address that is not one', { 'stormgate:alarmEmail': 'oncall' }, /stormgate:alarmEmail: must be an email address/],
    ['an IPv4-mapped IPv6 prefix (it would never match an IPv4 client)', { 'stormgate:allowedCidrs': '::ffff:10.0.0.0/104' }, /stormgate:allowedCidrs\.0: ::ffff:10\.0\.0\.0\/104 is an IPv4-mapped IPv6 prefix/],
    ['an IPv6 address with a zone id', { 'stormgate:allowedCidrs': 'fe80::1%eth0/64' }, /stormgate:allowedCidrs\.0: fe80::1%eth0\/64 is not an IPv4 or IPv6 CIDR/],
    ['a prefix length with a leading zero', { 'stormgate:allowedCidrs': '10.0.0.0/08' }, /stormgate:allowedCidrs\.0: 10\.0\.0\.0\/08 is not an IPv4 or IPv6 CIDR/],
    ['more Redis nodes than one group can have', { 'stormgate:redisShards': 167, 'stormgate:redisReplicasPerShard': 2 }, /stormgate:redisShards: 167 shards of 3 nodes are 501 nodes; ElastiCache allows at most 500/],
    ['a credential in the environment', { 'stormgate:environment': { AUTH_TOKENS: 'team=0123456789abcdef' } }, /stormgate:environment: AUTH_TOKENS would put a credential in the functions' environment/],
    ['a variable of the local runtime', { 'stormgate:environment': { SWEEP_INTERVAL_SECONDS: '5' } }, /stormgate:environment: SWEEP_INTERVAL_SECONDS is for the local runtime only/],
    ['an environment given with -c that is not JSON', { 'stormgate:environment': 'STORM_THRESHOLD=10' }, /stormgate:environment: must be a JSON object/],
    ['an existing VPC in one availability zone', { ...existingVpc, 'stormgate:availabilityZones': 'eu-west-1a,eu-west-1a' }, /stormgate:availabilityZones: ElastiCache keeps a replica in another zone/],
    ['ElastiCache options with an existing Redis', { 'stormgate:redisUrl': 'redis://redis:6379', 'stormgate:redisMode': 'serverless' }, /stormgate:redisMode: has no effect with redisUrl/],
  ];
  it.each(refused)('refuses %s at synth, naming the option', (_, context, message) => {
    expect(() => synth(context)).toThrow(message);
  });

  it('accepts each limit at its boundary (the other side of the refusals above)', () => {
    for (const context of [
      { 'stormgate:apiRateLimit': 1, 'stormgate:apiBurstLimit': 1 },
      { 'stormgate:redisMaxDataGb': 1, 'stormgate:redisMode': 'serverless' },
      { 'stormgate:redisShards': 1, 'stormgate:redisReplicasPerShard': 5 },
      { 'stormgate:natGateways': 2 },
      { 'stormgate:namePrefix': 'a'.repeat(24) },
      { 'stormgate:namePrefix': 'sg-b' },
      { 'stormgate:allowedCidrs': '10.0.0.1/32,2001:db8::1/128,128.0.0.0/1,::/1' },
      { 'stormgate:redisShards': 250, 'stormgate:redisReplicasPerShard': 1 },
      { ...existingVpc, 'stormgate:privateSubnetIds': 'subnet-0123456789abcdef0', 'stormgate:availabilityZones': 'eu-west-1a', 'stormgate:redisUrl': 'redis://redis:6379' },
    ]) {
      expect(() => synth(context)).not.toThrow();
    }
  });
});

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  it.each([
    ['the defaults', {}],
    ['cluster + EKS + WAF + custom domain with mutual TLS + alarm email + reserved concurrency', everything],
    ['an existing VPC without endpoints, serverless Redis', { ...existingVpc, 'stormgate:vpcEndpoints': 'false', 'stormgate:redisMode': 'serverless' }],
    ['no API Gateway account role, an existing kubeconfig secret', { 'stormgate:apiGatewayCloudWatchRole': 'false', 'stormgate:kubeconfigSecretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf' }],
  ])('finds nothing unacknowledged with %s', (_, context) => {
    expect(() => synth(context).app.synth()).not.toThrow();
  });

  it('fails synth on a finding nobody acknowledged (the check can fail)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    buildApp(app);
    // Acknowledgements are per stack: a rotation-less secret in another stack is a finding.
    new Secret(new Stack(app, 'Other'), 'Unacknowledged');
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});
