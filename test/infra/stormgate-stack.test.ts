import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StormgateStack } from '../../infra/stormgate-stack.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;

const logicalIdOf = (prefix: string, type: string): string => {
  const id = Object.keys(resources).find((key) => key.startsWith(prefix) && resources[key]?.Type === type);
  if (!id) throw new Error(`no ${type} starting with ${prefix}`);
  return id;
};

beforeAll(() => {
  // Bundles the three handlers with esbuild for real (offline, a few seconds).
  const app = new App();
  const stack = new StormgateStack(app, 'Stormgate', { runtimeEnvironment: { RR_NAMESPACE: 'stormgate', REDIS_URL: 'rediss://cache.example:6379' } });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
});

describe('StormgateStack', () => {
  it('deploys the three handlers on nodejs22.x, arm64, with the runtime environment', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ RR_NAMESPACE: 'stormgate', REDIS_URL: 'rediss://cache.example:6379' }) },
    });
  });

  it('sends failed async invocations to encrypted dead-letter queues after two retries', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template.allResourcesProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('lets ingest invoke only dedup, and dedup invoke only the storm aggregator', () => {
    const dedup = logicalIdOf('DedupFunction', 'AWS::Lambda::Function');
    const storm = logicalIdOf('StormAggregatorFunction', 'AWS::Lambda::Function');
    const invokeTargets = (policyPrefix: string) => {
      const policy = resources[logicalIdOf(policyPrefix, 'AWS::IAM::Policy')]?.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] };
      return policy.Statement.filter((statement) => JSON.stringify(statement.Action).includes('lambda:InvokeFunction')).map((statement) => JSON.stringify(statement.Resource));
    };
    const ingestTargets = invokeTargets('IngestFunctionServiceRoleDefaultPolicy');
    expect(ingestTargets.length).toBeGreaterThan(0);
    expect(ingestTargets.every((target) => target.includes(dedup) && !target.includes(storm))).toBe(true);
    const dedupTargets = invokeTargets('DedupFunctionServiceRoleDefaultPolicy');
    expect(dedupTargets.every((target) => target.includes(storm))).toBe(true);
  });

  it('routes POST /v1/alerts/alertmanager and GET /v1/signals/{fingerprint} to ingest through Lambda proxy integrations', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'alertmanager' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{fingerprint}' });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'GET', Integration: { Type: 'AWS_PROXY' } });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: { Type: 'AWS_PROXY' },
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });

  it('sweeps storm windows every minute', () => {
    const storm = logicalIdOf('StormAggregatorFunction', 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [storm, 'Arn'] } })],
    });
  });
});
