import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Config } from '../config/index.js';

/**
 * The one Lambda client factory. Locally `AWS_ENDPOINT_URL_LAMBDA` points it at the local runtime's
 * invoke endpoint, so the same SDK path runs on a laptop and in AWS. The SDK module is loaded here, on
 * first use, not when a function starts (see "Cold start" in the README).
 */
export async function createLambdaClient(aws: Config['aws']): Promise<LambdaClient> {
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  return new LambdaClient({
    region: aws.region,
    ...(aws.lambdaEndpoint !== undefined && { endpoint: aws.lambdaEndpoint }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
