import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { kubeconfigPlaceholder } from '../lib/kube/kubeconfig-placeholder.js';
import { functionTiming } from '../lib/runtime/function-timing.js';
import { metricsNamespaceOf, Monitoring } from './constructs/monitoring.js';
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
      ? { environment: { REDIS_URL: options.redisUrl }, authSecret: undefined, mode: options.redisMode, metricDimensions: [] }
      : new Redis(this, 'Redis', { vpc: network.vpc, subnets: network.subnets, securityGroup: network.redis, options });

    const authTokens = new Secret(this, 'AuthTokens', {
      description: 'stormgate: accepted webhook tokens, comma-separated, [tenant=]token or [tenant=]sha256:<hex>',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    const eks = options.eksClusterName !== undefined;
    const kubeconfig = eks ? undefined : this.kubeconfigSecret(options);
    const kubeEnvironment: Record<string, string> = eks
      ? { EKS_CLUSTER_NAME: options.eksClusterName ?? '', KUBE_API_URL: options.kubeApiUrl ?? '', KUBE_CA_DATA: options.kubeCaData ?? '' }
      : { KUBECONFIG_SECRET_ID: kubeconfig?.secretArn ?? '' };

    const environment = { RR_NAMESPACE: options.rrNamespace, POWERTOOLS_METRICS_NAMESPACE: metricsNamespaceOf(options), ...redis.environment, ...options.environment };
    const fnNetwork = { vpc: network.vpc, subnets: network.subnets, securityGroup: network.functions };
    const storm = new StormgateFunction(this, 'StormAggregator', {
      name: 'storm-aggregator',
      invocation: 'async',
      environment: { ...environment, ...kubeEnvironment },
      timeout: Duration.seconds(functionTiming.sweep.timeoutSeconds),
      ...(options.stormConcurrency > 0 && { reservedConcurrentExecutions: options.stormConcurrency }),
      network: fnNetwork,
    });
    const dedup = new StormgateFunction(this, 'Dedup', {
      name: 'dedup',
      invocation: 'async',
      environment: { ...environment, ...kubeEnvironment },
      timeout: Duration.seconds(functionTiming.dedup.timeoutSeconds),
      ...(options.dedupConcurrency > 0 && { reservedConcurrentExecutions: options.dedupConcurrency }),
      network: fnNetwork,
    });
    const ingest = new StormgateFunction(this, 'Ingest', {
      name: 'ingest',
      invocation: 'sync',
      environment: { ...environment, DEDUP_FUNCTION_NAME: dedup.function.functionName, AUTH_TOKENS_SECRET_ID: authTokens.secretArn },
      timeout: Duration.seconds(functionTiming.ingest.timeoutSeconds),
      network: fnNetwork,
    });
    dedup.function.grantInvoke(ingest.function);
    authTokens.grantRead(ingest.function);
    for (const fn of [ingest, dedup, storm]) redis.authSecret?.grantRead(fn.function);
    for (const fn of [dedup, storm]) kubeconfig?.grantRead(fn.function);

    if (eks && options.eksAccessEntry) {
      // Needs the cluster's authentication mode API or API_AND_CONFIG_MAP (README, "Deploy").
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

    const sweepDeadLetters = storm.deadLetterQueue;
    new Rule(this, 'StormWindowSweep', {
      description: 'Closes storm windows that are due and writes deferred statuses, even when alerts stop arriving',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(storm.function, { retryAttempts: 2, ...(sweepDeadLetters && { deadLetterQueue: sweepDeadLetters }) })],
    });

    const functions = [
      { name: 'Ingest', fn: ingest.function },
      { name: 'Dedup', fn: dedup.function },
      { name: 'StormAggregator', fn: storm.function },
    ];
    new Monitoring(this, 'Monitoring', {
      api: api.api,
      functions,
      deadLetterQueues: [dedup, storm].flatMap((fn) => (fn.deadLetterQueue ? [fn.deadLetterQueue] : [])),
      redis: { mode: redis.mode, dimensions: redis.metricDimensions },
      options,
    });

    new CfnOutput(this, 'WebhookUrl', { value: api.webhookUrl, description: 'Alertmanager webhook_configs url' });
    if (api.api.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: api.api.domainName.domainNameAliasDomainName,
        description: `Point ${options.domainName ?? ''} here (CNAME, or an alias A record in hosted zone CustomDomainHostedZoneId)`,
      });
      new CfnOutput(this, 'CustomDomainHostedZoneId', { value: api.api.domainName.domainNameAliasHostedZoneId });
    }
    new CfnOutput(this, 'AuthTokensSecret', { value: authTokens.secretArn, description: 'Put the Alertmanager token here (rotation: add the new one, then remove the old)' });
    if (kubeconfig) new CfnOutput(this, 'KubeconfigSecret', { value: kubeconfig.secretArn, description: 'Put the kubeconfig of the target cluster here' });
    new CfnOutput(this, 'FunctionsSecurityGroup', { value: network.functions.securityGroupId, description: 'Allow it on 443 in the Kubernetes API’s security group (a private EKS endpoint)' });
    for (const [name, fn] of [['Dedup', dedup], ['StormAggregator', storm]] as const) {
      new CfnOutput(this, `${name}RoleArn`, { value: fn.function.role?.roleArn ?? '', description: `Map to the ${kubernetesGroup} RBAC group when not using EKS access entries` });
    }
    // What the README's redrive reads: the queue holding dedup's failed batches, and the function to send them back to.
    new CfnOutput(this, 'DedupFunctionName', { value: dedup.function.functionName, description: 'Redrive dead letters to this function (README: Dead letters)' });
    if (dedup.deadLetterQueue) new CfnOutput(this, 'DedupDeadLetterQueueUrl', { value: dedup.deadLetterQueue.queueUrl, description: 'Batches dedup failed three times (README: Dead letters)' });
  }

  /**
   * The kubeconfig of a cluster that is not EKS: an existing secret, or one created with a placeholder
   * that the functions recognise and name (a generated random value would look like a broken kubeconfig).
   */
  private kubeconfigSecret(options: StackOptions): ISecret {
    if (options.kubeconfigSecretArn) return Secret.fromSecretCompleteArn(this, 'Kubeconfig', options.kubeconfigSecretArn);
    return new Secret(this, 'Kubeconfig', {
      description: 'stormgate: kubeconfig of the cluster to write RemediationRequests to',
      secretStringValue: SecretValue.unsafePlainText(kubeconfigPlaceholder),
    });
  }
}
