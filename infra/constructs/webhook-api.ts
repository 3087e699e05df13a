import { LambdaIntegration, MethodLoggingLevel, RestApi, AccessLogFormat, LogGroupLogDestination, EndpointType } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface WebhookApiProps {
  readonly ingest: IFunction;
  /** Stage throttling, requests per second (steady) and burst. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * The REST API Alertmanager posts to (REST, not HTTP API: LocalStack community supports REST only):
 * `POST /v1/alerts/alertmanager` and `GET /v1/signals/{fingerprint}` proxied to ingest, with access logs
 * and stage throttling.
 */
export class WebhookApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      restApiName: 'stormgate',
      description: 'Alertmanager webhook intake',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      deployOptions: {
        stageName: 'live',
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const ingest = new LambdaIntegration(props.ingest, { proxy: true });
    const v1 = this.api.root.addResource('v1');
    v1.addResource('alerts').addResource('alertmanager').addMethod('POST', ingest);
    v1.addResource('signals').addResource('{fingerprint}').addMethod('GET', ingest);
  }
}
