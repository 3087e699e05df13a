import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface StormgateFunctionProps {
  /** Folder name under functions/. */
  readonly name: 'ingest' | 'dedup' | 'storm-aggregator';
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number;
  /** Caps a runaway (e.g. a retry storm) so that it cannot exhaust the account's concurrency. */
  readonly reservedConcurrentExecutions?: number;
  /** The VPC, subnets and security group that reach Redis. */
  readonly network?: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup };
}

/**
 * One stormgate handler: nodejs22.x on arm64, bundled by esbuild as minified ESM with source maps and the
 * AWS SDK left to the runtime. Async invocations that still fail after Lambda's two retries land in a
 * dead-letter queue (on-failure destination) from which they can be redriven.
 */
export class StormgateFunction extends Construct {
  readonly function: NodejsFunction;
  readonly deadLetterQueue: Queue;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StormgateFunctionProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.logGroup = logGroup;
    this.function = new NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../../functions/${props.name}/handler.ts`, import.meta.url)),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { POWERTOOLS_SERVICE_NAME: 'stormgate', NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      retryAttempts: 2,
      onFailure: new SqsDestination(this.deadLetterQueue),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.network && { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [props.network.securityGroup] }),
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        // Error class names are part of the logs and the dead-letter records.
        keepNames: true,
        sourceMap: true,
        target: 'node22',
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}
