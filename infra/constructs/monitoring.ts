import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StormgateMetric } from '../../lib/telemetry/metrics.js';
import type { StackOptions } from '../options.js';

/** Where the functions publish stormgate's metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const metricsNamespaceOf = (options: Pick<StackOptions, 'namePrefix'>): string => `Stormgate/${options.namePrefix}`;

export interface MonitoringProps {
  readonly api: RestApi;
  readonly functions: { name: string; fn: IFunction }[];
  readonly deadLetterQueues: IQueue[];
  /** Where the Redis metrics are published: the serverless cache, or each member node of the group. */
  readonly redis: { mode: StackOptions['redisMode']; dimensions: Record<string, string>[] };
  readonly options: StackOptions;
}

/**
 * Alarms (API 5xx rate, function errors and throttles, dead letters, Redis memory, CPU and evictions) and
 * a dashboard (alerts received, duplicates, storms, requests created, latency, Redis memory), plus alarms on
 * stormgate's own metrics: decision latency and a flood of requests (storms not aggregating).
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const topic = this.alarmTopic(props.options);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new SnsAction(topic));
      this.alarms.push(created);
    };

    alarm('Api5xxRate', props.api.metricServerError({ statistic: 'Average', period: Duration.minutes(5) }), 0.05, 'More than 5% of webhook calls answered 5xx');
    for (const { name, fn } of props.functions) {
      alarm(`${name}Errors`, fn.metricErrors({ period: Duration.minutes(5) }), 0, `${name} invocations failed`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: Duration.minutes(5) }), 0, `${name} invocations were throttled`);
    }
    props.deadLetterQueues.forEach((queue, index) =>
      alarm(`DeadLetters${index}`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }), 0, 'Events failed every retry and wait in a dead-letter queue'),
    );

    // A cluster-mode group publishes per member node: each alarm watches the highest node (math over at
    // most 10 metrics per alarm, CloudWatch's limit), so that one full or busy node is enough to fire.
    const redisAlarm = (name: string, metricName: string, statistic: string, threshold: number, description: string, expression?: (metric: string) => string): IMetric[] => {
      const watched: IMetric[] = [];
      const metrics = props.redis.dimensions.map((dimensionsMap) => new Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap, statistic, period: Duration.minutes(5) }));
      for (let first = 0; first < metrics.length; first += 10) {
        const chunk = metrics.slice(first, first + 10);
        const usingMetrics = Object.fromEntries(chunk.map((metric, index) => [`m${first + index}`, metric]));
        const highest = chunk.length === 1 && !expression ? (chunk[0] as Metric) : new MathExpression({
          expression: expression ? expression(`m${first}`) : `MAX([${Object.keys(usingMetrics).join(', ')}])`,
          usingMetrics,
          period: Duration.minutes(5),
        });
        alarm(first === 0 ? name : `${name}${first / 10 + 1}`, highest, threshold, description);
        watched.push(highest);
      }
      return watched;
    };
    let redisMemory: IMetric[];
    if (props.redis.mode === 'serverless') {
      const limitBytes = props.options.redisMaxDataGb * 1024 ** 3;
      redisMemory = redisAlarm('RedisMemory', 'BytesUsedForCache', 'Maximum', 75, 'Redis data above 75% of the serverless limit, where it starts evicting state', (bytes) => `100 * ${bytes} / ${limitBytes}`);
      redisAlarm('RedisCpu', 'ElastiCacheProcessingUnits', 'Sum', 80, 'Redis ECPU above 80% of the serverless limit', (ecpu) => `100 * ${ecpu} / (${props.options.redisMaxEcpuPerSecond} * 300)`);
    } else {
      redisMemory = redisAlarm('RedisMemory', 'DatabaseMemoryUsagePercentage', 'Maximum', 75, 'Redis memory above 75% on a node: at 100% writes fail and webhooks are answered 503');
      redisAlarm('RedisCpu', 'EngineCPUUtilization', 'Maximum', 80, 'Redis engine CPU above 80% on a node');
    }
    redisAlarm('RedisEvictions', 'Evictions', 'Sum', 0, 'Redis evicted keys: state was lost');

    // stormgate's own metrics: Powertools Metrics (CloudWatch embedded metric format) from the functions'
    // logs, lib/telemetry/metrics.ts; one series each (dimension service=stormgate).
    const stormgate = (metricName: StormgateMetric, statistic = 'Sum', period = Duration.minutes(1)) =>
      new Metric({ namespace: metricsNamespaceOf(props.options), metricName, dimensionsMap: { service: 'stormgate' }, statistic, period });
    alarm(
      'DecisionLatency',
      stormgate('DecisionLatency', 'p99', Duration.minutes(5)),
      120_000,
      'Alerts waited more than 2 minutes (p99) for a dedup decision: the async queue is backing up, or Redis or the Kubernetes API is slow',
    );
    alarm(
      'RequestFlood',
      stormgate('RequestsCreated', 'Sum', Duration.minutes(5)),
      props.options.requestFloodAlarm,
      `More than ${props.options.requestFloodAlarm} RemediationRequests created in 5 minutes: storms may not be aggregating (STORM_THRESHOLD, STORM_SCOPE; stormgate replay shows what a setting does)`,
    );
    new Dashboard(this, 'Dashboard', {
      dashboardName: props.options.namePrefix,
      widgets: [
        [
          new GraphWidget({ title: 'Alerts received', left: [stormgate('AlertsReceived')] }),
          new GraphWidget({
            title: 'Decisions',
            left: [stormgate('RequestsCreated'), stormgate('DuplicatesAbsorbed'), stormgate('StormAlertsAbsorbed'), stormgate('RequestsResolved')],
          }),
          new GraphWidget({ title: 'Storms', left: [stormgate('StormsOpened'), stormgate('StormsClosed')] }),
          new GraphWidget({ title: 'Withheld (cooldown, flaps)', left: [stormgate('RecurrencesCounted'), stormgate('SignalsFlapped')] }),
        ],
        [
          new GraphWidget({ title: 'Decision latency (ms)', left: [stormgate('DecisionLatency', 'p50'), stormgate('DecisionLatency', 'p99')] }),
          new GraphWidget({ title: 'Webhook latency', left: [props.api.metricLatency({ statistic: 'p50' }), props.api.metricLatency({ statistic: 'p99' })] }),
          ...(redisMemory.length > 0 ? [new GraphWidget({ title: 'Redis memory % (highest node)', left: redisMemory })] : []),
          new GraphWidget({ title: 'Webhook 4xx / 5xx', left: [props.api.metricClientError(), props.api.metricServerError()] }),
        ],
      ],
    });
  }

  /**
   * The alarm topic, encrypted with a key CloudWatch may use: alarms publish as the CloudWatch service,
   * which needs kms:Decrypt + kms:GenerateDataKey* on the topic's key (an AWS-managed key cannot grant
   * that; this key encrypts nothing else, and the statement is AWS's documented one, without conditions
   * that a KMS request might not carry) and sns:Publish on the topic, for alarms of this account. An email
   * subscription keeps what it could not deliver in a queue.
   */
  private alarmTopic(options: StackOptions): Topic {
    const { account, region, partition } = Stack.of(this);
    const fromOwnAlarms = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new Key(this, 'AlarmsKey', { enableKeyRotation: true, description: `${options.namePrefix}: alarm topic` });
    key.addToResourcePolicy(new PolicyStatement({ effect: Effect.ALLOW, principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));
    const topic = new Topic(this, 'Alarms', { displayName: `${options.namePrefix} alarms`, masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new PolicyStatement({ effect: Effect.ALLOW, principals: [cloudWatch], actions: ['sns:Publish'], resources: [topic.topicArn], conditions: fromOwnAlarms }),
    );
    if (options.alarmEmail) {
      const undelivered = new Queue(this, 'UndeliveredAlarms', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
      topic.addSubscription(new EmailSubscription(options.alarmEmail, { deadLetterQueue: undelivered }));
    }
    return topic;
  }
}
