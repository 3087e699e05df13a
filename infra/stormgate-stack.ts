import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { StormgateFunction } from './constructs/stormgate-function.js';
import { WebhookApi } from './constructs/webhook-api.js';

export interface StormgateStackProps extends StackProps {
  /** Runtime configuration passed to every function (names from DESIGN.md: REDIS_URL, RR_NAMESPACE …). */
  readonly runtimeEnvironment: Record<string, string>;
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * ingest → (async) dedup → (async) storm-aggregator, a REST API in front and an EventBridge schedule that
 * sweeps storm windows every minute. Redis (ElastiCache), the VPC, secrets and alarms are added by the
 * deployment issue; until then Redis and Kubernetes come from the runtime environment.
 */
export class StormgateStack extends Stack {
  constructor(scope: Construct, id: string, props: StormgateStackProps) {
    super(scope, id, props);
    const storm = new StormgateFunction(this, 'StormAggregator', {
      name: 'storm-aggregator',
      environment: props.runtimeEnvironment,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 10,
    });
    const dedup = new StormgateFunction(this, 'Dedup', {
      name: 'dedup',
      environment: { ...props.runtimeEnvironment, STORM_AGGREGATOR_FUNCTION_NAME: storm.function.functionName },
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 50,
    });
    const ingest = new StormgateFunction(this, 'Ingest', {
      name: 'ingest',
      environment: { ...props.runtimeEnvironment, DEDUP_FUNCTION_NAME: dedup.function.functionName },
      // Alertmanager's webhook timeout defaults to 10 s; answer (202 or 503) well before it.
      timeout: Duration.seconds(8),
    });
    dedup.function.grantInvoke(ingest.function);
    storm.function.grantInvoke(dedup.function);

    const api = new WebhookApi(this, 'Webhook', {
      ingest: ingest.function,
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
    });

    new Rule(this, 'StormWindowSweep', {
      description: 'Closes storm windows that are due, even when alerts stop arriving',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(storm.function, { retryAttempts: 2 })],
    });

    new CfnOutput(this, 'WebhookUrl', { value: api.api.urlForPath('/v1/alerts/alertmanager') });
  }
}
