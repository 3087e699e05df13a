import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat, EndpointType, LambdaIntegration, LogGroupLogDestination, MethodLoggingLevel, MockIntegration, RestApi, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { CfnIPSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { StackOptions } from '../options.js';

export const webhookPath = '/v1/alerts/alertmanager';

export interface WebhookApiProps {
  readonly ingest: IFunction;
  readonly options: StackOptions;
}

/**
 * The REST API Alertmanager posts to (REST, not HTTP API: LocalStack community supports REST only):
 * `POST /v1/alerts/alertmanager` and `GET /v1/signals/{fingerprint}` proxied to ingest, `GET /healthz`
 * answered by API Gateway itself; access logs, stage throttling, optional custom domain with mutual TLS,
 * optional WAF with an IP allow-list. API Gateway REST accepts bodies up to 10 MB (fixed); ingest refuses
 * anything over MAX_BODY_BYTES with 413.
 */
export class WebhookApi extends Construct {
  readonly api: RestApi;
  /** Where Alertmanager posts: the custom domain when there is one (with mutual TLS, the only way in). */
  readonly webhookUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const { options } = props;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      restApiName: options.namePrefix,
      description: 'Alertmanager webhook intake',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Access logging needs API Gateway's account-wide CloudWatch Logs role; set it unless the account
      // already has one (`aws apigateway get-account --query cloudwatchRoleArn`). Kept when the stack goes,
      // because other APIs of the account may log through it by then.
      cloudWatchRole: options.apiGatewayCloudWatchRole,
      ...(options.apiGatewayCloudWatchRole && { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
      deployOptions: {
        stageName: 'live',
        throttlingRateLimit: options.apiRateLimit,
        throttlingBurstLimit: options.apiBurstLimit,
        loggingLevel: MethodLoggingLevel.OFF,
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
      },
      ...(options.domainName !== undefined &&
        options.certificateArn !== undefined && {
          domainName: {
            domainName: options.domainName,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', options.certificateArn),
            securityPolicy: SecurityPolicy.TLS_1_2,
            ...(options.mtlsTruststoreUri && {
              mtls: { bucket: Bucket.fromBucketName(this, 'Truststore', options.mtlsTruststoreUri.replace(/^s3:\/\/([^/]+)\/.*$/, '$1')), key: options.mtlsTruststoreUri.replace(/^s3:\/\/[^/]+\//, '') },
            }),
          },
          // With mutual TLS, the execute-api URL would be a way around the client certificate.
          disableExecuteApiEndpoint: options.mtlsTruststoreUri !== undefined,
        }),
    });
    this.webhookUrl = options.domainName !== undefined ? `https://${options.domainName}${webhookPath}` : this.api.urlForPath(webhookPath);
    // The stack outputs WebhookUrl; the stage URL output would name the execute-api endpoint even where it is disabled.
    this.api.node.tryRemoveChild('Endpoint');
    const ingest = new LambdaIntegration(props.ingest, { proxy: true, timeout: Duration.seconds(9) });
    const v1 = this.api.root.addResource('v1');
    v1.addResource('alerts').addResource('alertmanager').addMethod('POST', ingest);
    v1.addResource('signals').addResource('{fingerprint}').addMethod('GET', ingest);
    // Liveness without a Lambda: API Gateway answers itself.
    this.api.root.addResource('healthz').addMethod(
      'GET',
      new MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': '{"status":"ok"}' } }],
      }),
      { methodResponses: [{ statusCode: '200' }] },
    );

    if (options.waf || options.allowedCidrs.length > 0) this.addWaf(options);
  }

  private addWaf(options: StackOptions): void {
    // No body-size rule: WAF inspects only the first 64 KB of a body, so it could not enforce 1 MiB
    // without refusing legitimate notifications; ingest answers 413 above MAX_BODY_BYTES.
    const rules: CfnWebACL.RuleProperty[] = [
      {
        name: 'aws-common',
        priority: 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: `${options.namePrefix}-known-bad-inputs` },
      },
    ];
    if (options.allowedCidrs.length > 0) {
      // One IP set per address family (an IP set holds one); a source in either may call.
      const sets = (['IPV4', 'IPV6'] as const)
        .map((family) => ({ family, addresses: options.allowedCidrs.filter((cidr) => cidr.includes(':') === (family === 'IPV6')) }))
        .filter(({ addresses }) => addresses.length > 0)
        .map(({ family, addresses }) => new CfnIPSet(this, family === 'IPV4' ? 'AllowedSources' : 'AllowedSourcesV6', { scope: 'REGIONAL', ipAddressVersion: family, addresses }));
      const references = sets.map((set) => ({ ipSetReferenceStatement: { arn: set.attrArn } }));
      rules.push({
        name: 'allowed-sources-only',
        priority: 0,
        action: { block: {} },
        statement: { notStatement: { statement: references.length === 1 ? (references[0] as CfnWebACL.StatementProperty) : { orStatement: { statements: references } } } },
        visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: `${options.namePrefix}-allowed-sources` },
      });
    }
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: options.namePrefix },
      rules,
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: acl.attrArn });
  }
}
