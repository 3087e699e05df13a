import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/index.js';

/**
 * The one Secrets Manager client factory (kubeconfigs of non-EKS clusters, auth tokens when deployed).
 * The SDK module is loaded on first use: a process that reads no secret never loads it.
 */
export async function createSecretsClient(aws: Config['aws']): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient({
    region: aws.region,
    ...(aws.secretsManagerEndpoint !== undefined && { endpoint: aws.secretsManagerEndpoint }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
