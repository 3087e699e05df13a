import { Validations } from 'aws-cdk-lib';
import type { StormgateStack } from './stormgate-stack.js';

/** Every cdk-nag finding stormgate accepts, each with its reason. Anything else fails `cdk synth`. */
const acknowledged: { id: string; reason: string }[] = [
  {
    id: 'AwsSolutions-L1',
    reason: 'nodejs22.x is the runtime stormgate is built and tested for (DESIGN.md); moving runtimes is a deliberate change, not an automatic one.',
  },
  { id: 'Serverless-LambdaLatestVersion', reason: 'nodejs22.x is the runtime stormgate is built and tested for (DESIGN.md).' },
  {
    id: 'Serverless-LambdaDLQ',
    reason: 'Failed async invocations go to SQS through on-failure destinations, which carry the error and the request context that a classic DLQ drops.',
  },
  { id: 'AwsSolutions-SQS3', reason: 'These queues are the dead-letter queues (on-failure destinations); a dead-letter queue of a dead-letter queue adds nothing.' },
  { id: 'Serverless-SQSRedrivePolicy', reason: 'These queues are the dead-letter queues; they are redriven to the functions by the operator, not to another queue.' },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The AWS-managed basic execution policy only lets a function write its own logs.',
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    reason: 'The AWS-managed VPC access policy only lets a function manage its network interfaces in the VPC it is attached to.',
  },
  { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray trace upload and VPC network-interface actions do not support resource-level permissions.' },
  {
    id: 'AwsSolutions-IAM5[Resource::<DedupFunctionF4A21BFB.Arn>:*]',
    reason: 'ingest may invoke the dedup function (any version or alias of that one function): the grant is scoped to it.',
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: "API Gateway's account-wide logging role (stormgate:apiGatewayCloudWatchRole) only lets API Gateway write its logs; access logging needs it.",
  },
  {
    id: 'AwsSolutions-APIG4',
    reason: 'Alertmanager can send only bearer/basic credentials (no SigV4, no Cognito); ingest authenticates every request in constant time against hashed tokens (401 otherwise).',
  },
  { id: 'AwsSolutions-COG4', reason: 'Alertmanager cannot obtain Cognito tokens; the API authenticates with tokens checked by ingest.' },
  {
    id: 'AwsSolutions-APIG2',
    reason: 'ingest validates every body against the Alertmanager schema and answers RFC 7807 problems naming the field; API Gateway validation would answer in another format.',
  },
  {
    id: 'AwsSolutions-APIG6',
    reason: 'JSON access logs record every request; execution logging needs an account-wide API Gateway CloudWatch role, which this stack does not impose on the account.',
  },
  { id: 'AwsSolutions-APIG3', reason: 'WAF is optional (stormgate:waf / stormgate:allowedCidrs); tokens are checked by ingest either way.' },
  {
    id: 'AwsSolutions-SMG4',
    reason: 'Tokens are rotated by the team that configures Alertmanager (add the new token, update Alertmanager, remove the old); the Redis AUTH token changes with a redeploy.',
  },
];

export function acknowledgeNagFindings(stack: StormgateStack): void {
  for (const finding of acknowledged) Validations.of(stack).acknowledge(finding);
}
