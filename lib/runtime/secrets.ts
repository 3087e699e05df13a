import { type Credential, parseCredentialList, requireCredentials } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { logger } from '../telemetry/logger.js';
import { runtimeConfig, secretsClient, useRedisPassword } from './clients.js';

/**
 * Secrets the functions read at cold start (deployed: Secrets Manager; locally: the environment).
 * Accepted tokens are re-read every 5 minutes so that a rotation takes effect without a deploy.
 */
const credentialsRefreshMs = 5 * 60 * 1000;

let redisPasswordLoaded = false;
let credentials: { list: readonly Credential[]; loadedAt: number; refreshing: boolean } | undefined;

async function secretString(secretId: string): Promise<string> {
  const [client, { GetSecretValueCommand }] = await Promise.all([secretsClient(), import('@aws-sdk/client-secrets-manager')]);
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (secret.SecretString === undefined) throw new ConfigError(`secret ${secretId} holds no text`);
  return secret.SecretString;
}

async function loadCredentials(secretId: string): Promise<void> {
  credentials = { list: parseCredentialList(await secretString(secretId), `secret ${secretId}`), loadedAt: Date.now(), refreshing: false };
}

/** Loads what the configuration keeps in Secrets Manager; call once per cold start, before creating clients. */
export async function loadRuntimeSecrets(options: { credentials: boolean }): Promise<void> {
  const config = runtimeConfig();
  const redisSecret = config.redis?.passwordSecretId;
  if (redisSecret !== undefined && !redisPasswordLoaded) {
    useRedisPassword(await secretString(redisSecret));
    redisPasswordLoaded = true;
  }
  if (options.credentials && config.credentialsSecretId !== undefined && credentials === undefined) await loadCredentials(config.credentialsSecretId);
}

/** The accepted credentials now; a stale secret is re-read in the background (rotation). */
export function currentCredentials(): readonly Credential[] {
  const config = runtimeConfig();
  const secretId = config.credentialsSecretId;
  if (secretId === undefined) return requireCredentials(config);
  if (!credentials) throw new ConfigError('credentials were not loaded: call loadRuntimeSecrets first');
  if (Date.now() - credentials.loadedAt > credentialsRefreshMs && !credentials.refreshing) {
    credentials.refreshing = true;
    loadCredentials(secretId).catch((error: unknown) => {
      logger.warn('could not refresh the accepted tokens; keeping the previous ones', { error: String(error) });
      if (credentials) credentials.refreshing = false;
    });
  }
  return credentials.list;
}
