import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

export interface MonitoringProps {
  readonly api: RestApi;
  readonly functions: { name: string; fn: IFunction; logGroup: ILogGroup }[];
  readonly deadLetterQueues: IQueue[];
  readonly redis: { mode: StackOptions['redisMode']; dimensions: Record<string, string> };
  readonly options: StackOptions;
}

const namespace = 'Stormgate';

/**
 * Alarms (API 5xx rate, function errors and throttles, dead letters, Redis memory, CPU and evictions) and
 * a dashboard (alerts received, duplicates, storms, requests created, latency, Redis memory). The
 * stormgate counts come from the structured logs through metric filters: no extra code in the functions.
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const topic = new Topic(this, 'Alarms', { displayName: 'stormgate alarms', masterKey: new Key(this, 'AlarmsKey', { enableKeyRotation: true }), enforceSSL: true });
    if (props.options.alarmEmail) topic.addSubscription(new EmailSubscription(props.options.alarmEmail));
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

    const redisMetric = (metricName: string, statistic = 'Maximum') =>
      new Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: props.redis.dimensions, statistic, period: Duration.minutes(5) });
    const memoryPercent =
      props.redis.mode === 'serverless'
        ? new MathExpression({ expression: `100 * bytes / ${props.options.redisMaxDataGb * 1024 ** 3}`, usingMetrics: { bytes: redisMetric('BytesUsedForCache') }, period: Duration.minutes(5) })
        : redisMetric('DatabaseMemoryUsagePercentage');
    const cpuPercent =
      props.redis.mode === 'serverless'
        ? new MathExpression({ expression: `100 * ecpu / (${props.options.redisMaxEcpuPerSecond} * 60)`, usingMetrics: { ecpu: redisMetric('ElastiCacheProcessingUnits', 'Sum') }, period: Duration.minutes(1) })
        : redisMetric('EngineCPUUtilization');
    alarm('RedisMemory', memoryPercent, 80, 'Redis memory above 80% of its maximum');
    alarm('RedisCpu', cpuPercent, 80, 'Redis CPU (or ECPU) above 80%');
    alarm('RedisEvictions', redisMetric('Evictions', 'Sum'), 0, 'Redis evicted keys: state was lost');

    const fromLogs = (fn: (typeof props.functions)[number] | undefined, metricName: string, message: string, field: string): Metric => {
      if (!fn) throw new Error(`no function for ${metricName}`);
      return new MetricFilter(this, metricName, {
        logGroup: fn.logGroup,
        metricNamespace: namespace,
        metricName,
        filterPattern: FilterPattern.stringValue('$.message', '=', message),
        metricValue: `$.${field}`,
      }).metric({ statistic: 'Sum', period: Duration.minutes(1) });
    };
    const ingest = props.functions.find((entry) => entry.name === 'Ingest');
    const dedup = props.functions.find((entry) => entry.name === 'Dedup');
    const storm = props.functions.find((entry) => entry.name === 'StormAggregator');
    new Dashboard(this, 'Dashboard', {
      dashboardName: 'stormgate',
      widgets: [
        [
          new GraphWidget({ title: 'Alerts received', left: [fromLogs(ingest, 'AlertsReceived', 'notification accepted', 'alerts')] }),
          new GraphWidget({
            title: 'Decisions',
            left: [
              fromLogs(dedup, 'RequestsCreated', 'batch deduplicated', 'created'),
              fromLogs(dedup, 'Duplicates', 'batch deduplicated', 'duplicates'),
              fromLogs(dedup, 'StormAlerts', 'batch deduplicated', 'stormed'),
            ],
          }),
          new GraphWidget({
            title: 'Storms',
            left: [fromLogs(storm, 'StormsCreated', 'sweep done', 'stormsCreated'), fromLogs(storm, 'StormsEnded', 'sweep done', 'stormsEnded')],
          }),
        ],
        [
          new GraphWidget({ title: 'Webhook latency', left: [props.api.metricLatency({ statistic: 'p50' }), props.api.metricLatency({ statistic: 'p99' })] }),
          new GraphWidget({ title: 'Redis memory %', left: [memoryPercent] }),
          new GraphWidget({ title: 'Webhook 4xx / 5xx', left: [props.api.metricClientError(), props.api.metricServerError()] }),
        ],
      ],
    });
  }
}
