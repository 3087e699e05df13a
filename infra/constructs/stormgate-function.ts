import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleFunction, type FunctionName } from '../function-bundle.js';

export interface StormgateFunctionProps {
  /** Folder name under functions/. */
  readonly name: FunctionName;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize?: number;
  /** Caps a runaway (e.g. a retry storm) so that it cannot exhaust the account's concurrency. */
  readonly reservedConcurrentExecutions?: number;
  /**
   * `async`: invoked asynchronously (dedup by ingest, the sweep by EventBridge), so Lambda retries twice
   * and then sends the event to a dead-letter queue. `sync`: invoked only by API Gateway, whose caller
   * (Alertmanager) retries; an async configuration would never apply.
   */
  readonly invocation: 'sync' | 'async';
  /** The VPC, subnets and security group that reach Redis. */
  readonly network?: { vpc: IVpc; subnets: SubnetSelection; securityGroup: ISecurityGroup };
}

/**
 * One stormgate handler: nodejs22.x on arm64, bundled by esbuild (infra/function-bundle.ts: minified ESM
 * split into chunks, the AWS SDK left to the runtime) on this machine, no Docker needed. Async
 * invocations that still fail after Lambda's two retries land in a dead-letter queue (on-failure
 * destination) from which they can be redriven.
 */
export class StormgateFunction extends Construct {
  readonly function: LambdaFunction;
  /** Async functions only. */
  readonly deadLetterQueue?: Queue;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StormgateFunctionProps) {
    super(scope, id);
    const deadLetterQueue =
      props.invocation === 'async'
        ? new Queue(this, 'DeadLetters', { retentionPeriod: Duration.days(14), encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true })
        : undefined;
    this.deadLetterQueue = deadLetterQueue;
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.logGroup = logGroup;
    const code = Code.fromAsset(fileURLToPath(new URL(`../../functions/${props.name}`, import.meta.url)), {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Required by the API; never pulled, because local bundling always succeeds where esbuild runs.
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
        local: {
          tryBundle(outputDir) {
            bundleFunction(props.name, outputDir);
            return true;
          },
        },
      },
    });
    this.function = new LambdaFunction(this, 'Function', {
      code,
      handler: 'handler.handler', // handler.mjs, export `handler`
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { POWERTOOLS_SERVICE_NAME: 'stormgate', ...props.environment },
      ...(deadLetterQueue && { retryAttempts: 2, onFailure: new SqsDestination(deadLetterQueue) }),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.network && { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [props.network.securityGroup] }),
    });
  }
}
