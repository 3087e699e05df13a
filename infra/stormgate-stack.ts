import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Monitoring } from './constructs/monitoring.js';
import { Network } from './constructs/network.js';
import { Redis } from './constructs/redis.js';
import { StormgateFunction } from './constructs/stormgate-function.js';
import { WebhookApi } from './constructs/webhook-api.js';
import type { StackOptions } from './options.js';

export interface StormgateStackProps extends StackProps {
  readonly options: StackOptions;
}

/** The RBAC group of infra/k8s/rbac.yaml that the functions' roles are mapped to on EKS. */
export const kubernetesGroup = 'stormgate-writers';

/**
 * ingest → (async) dedup, a scheduled sweep in storm-aggregator, a REST API in front, ElastiCache for
 * the shared state, secrets for the accepted tokens (and a kubeconfig for clusters that are not EKS),
 * alarms and a dashboard.
 */
export class StormgateStack extends Stack {
  constructor(scope: Construct, id: string, props: StormgateStackProps) {
    super(scope, id, props);
    const { options } = props;
    const network = new Network(this, 'Network', options);
    const redis = options.redisUrl
      ? { environment: { REDIS_URL: options.redisUrl }, authSecret: undefined, mode: options.redisMode, metricDimensions: {} }
      : new Redis(this, 'Redis', { vpc: network.vpc, subnets: network.subnets, securityGroup: network.redis, options });

    const authTokens = new Secret(this, 'AuthTokens', {
      description: 'stormgate: accepted webhook tokens, comma-separated, [tenant=]token or [tenant=]sha256:<hex>',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    const eks = options.eksClusterName !== undefined;
    const kubeconfig = eks ? undefined : new Secret(this, 'Kubeconfig', { description: 'stormgate: kubeconfig of the cluster to write RemediationRequests to' });
    const kubeEnvironment: Record<string, string> = eks
      ? { EKS_CLUSTER_NAME: options.eksClusterName ?? '', KUBE_API_URL: options.kubeApiUrl ?? '', ...(options.kubeCaData && { KUBE_CA_DATA: options.kubeCaData }) }
      : { KUBECONFIG_SECRET_ID: kubeconfig?.secretArn ?? '' };

    const environment = { RR_NAMESPACE: options.rrNamespace, ...redis.environment, ...options.environment };
    const fnNetwork = { vpc: network.vpc, subnets: network.subnets, securityGroup: network.functions };
    const storm = new StormgateFunction(this, 'StormAggregator', {
      name: 'storm-aggregator',
      environment: { ...environment, ...kubeEnvironment },
      timeout: Duration.seconds(60),
      ...(options.stormConcurrency > 0 && { reservedConcurrentExecutions: options.stormConcurrency }),
      network: fnNetwork,
    });
    const dedup = new StormgateFunction(this, 'Dedup', {
      name: 'dedup',
      environment: { ...environment, ...kubeEnvironment, STORM_AGGREGATOR_FUNCTION_NAME: storm.function.functionName },
      timeout: Duration.seconds(60),
      ...(options.dedupConcurrency > 0 && { reservedConcurrentExecutions: options.dedupConcurrency }),
      network: fnNetwork,
    });
    const ingest = new StormgateFunction(this, 'Ingest', {
      name: 'ingest',
      environment: { ...environment, DEDUP_FUNCTION_NAME: dedup.function.functionName, AUTH_TOKENS_SECRET_ID: authTokens.secretArn },
      // Alertmanager's webhook timeout defaults to 10 s; answer (202 or 503) well before it.
      timeout: Duration.seconds(8),
      network: fnNetwork,
    });
    dedup.function.grantInvoke(ingest.function);
    storm.function.grantInvoke(dedup.function);
    authTokens.grantRead(ingest.function);
    for (const fn of [ingest, dedup, storm]) redis.authSecret?.grantRead(fn.function);
    for (const fn of [dedup, storm]) kubeconfig?.grantRead(fn.function);

    if (eks && options.eksAccessEntry) {
      for (const [name, fn] of [['Dedup', dedup], ['StormAggregator', storm]] as const) {
        new CfnAccessEntry(this, `${name}AccessEntry`, {
          clusterName: options.eksClusterName ?? '',
          principalArn: fn.function.role?.roleArn ?? '',
          kubernetesGroups: [kubernetesGroup],
          type: 'STANDARD',
        });
      }
    }

    const api = new WebhookApi(this, 'Webhook', { ingest: ingest.function, options });

    new Rule(this, 'StormWindowSweep', {
      description: 'Closes storm windows that are due and writes deferred statuses, even when alerts stop arriving',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(storm.function, { retryAttempts: 2, deadLetterQueue: storm.deadLetterQueue })],
    });

    new Monitoring(this, 'Monitoring', {
      api: api.api,
      functions: [
        { name: 'Ingest', fn: ingest.function, logGroup: ingest.logGroup },
        { name: 'Dedup', fn: dedup.function, logGroup: dedup.logGroup },
        { name: 'StormAggregator', fn: storm.function, logGroup: storm.logGroup },
      ],
      deadLetterQueues: [ingest.deadLetterQueue, dedup.deadLetterQueue, storm.deadLetterQueue],
      redis: { mode: redis.mode, dimensions: redis.metricDimensions },
      options,
    });

    new CfnOutput(this, 'WebhookUrl', { value: api.api.urlForPath('/v1/alerts/alertmanager') });
    new CfnOutput(this, 'AuthTokensSecret', { value: authTokens.secretArn, description: 'Put the Alertmanager token here (rotation: add the new one, then remove the old)' });
    if (kubeconfig) new CfnOutput(this, 'KubeconfigSecret', { value: kubeconfig.secretArn });
  }
}
