import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../config/index.js';

/** The one Secrets Manager client factory (kubeconfigs of non-EKS clusters, auth tokens when deployed). */
export function createSecretsClient(aws: Config['aws']): SecretsManagerClient {
  return new SecretsManagerClient({
    region: aws.region,
    ...(aws.secretsManagerEndpoint !== undefined && { endpoint: aws.secretsManagerEndpoint }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
