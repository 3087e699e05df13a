import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Config } from '../config/index.js';

/**
 * The one Lambda client factory. Locally `AWS_ENDPOINT_URL_LAMBDA` points it at the local runtime's
 * invoke endpoint, so the same SDK path runs on a laptop and in AWS.
 */
export function createLambdaClient(aws: Config['aws']): LambdaClient {
  return new LambdaClient({
    region: aws.region,
    ...(aws.lambdaEndpoint !== undefined && { endpoint: aws.lambdaEndpoint }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
