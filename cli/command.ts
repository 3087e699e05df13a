import type { ParseArgsConfig } from 'node:util';
import { type Config, loadConfig, type RedisTarget } from '../lib/config/index.js';
import { ConfigError, RedisUnavailableError } from '../lib/errors.js';
import { createRedisClient, type RedisClient } from '../lib/redis/client.js';

/** Exit codes every subcommand uses, so that scripts can tell them apart. */
export const exitCodes = {
  ok: 0,
  /** What was asked about failed, was refused or does not exist (a 4xx, a check that failed). */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The endpoint, Redis or the API server could not be reached. */
  unreachable: 3,
} as const;

export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** On a terminal only: one status line on stderr, rewritten in place ('' clears it). */
  readonly status?: (line: string) => void;
}

export interface Command {
  readonly name: string;
  /** One line for `stormgate --help`. */
  readonly summary: string;
  /** The whole `--help` text. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[], io: CommandIo): Promise<number>;
}

/** A usage error: the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The webhook endpoint and token: flags first, then STORMGATE_URL / STORMGATE_TOKEN, then `npm start`'s defaults. */
export function endpointOf(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): { base: string; token: string | undefined } {
  const url = typeof values.url === 'string' ? values.url : env.STORMGATE_URL || 'http://127.0.0.1:8080';
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url (or STORMGATE_URL) is not a URL: ${url}`);
  }
  const token = typeof values.token === 'string' ? values.token : env.STORMGATE_TOKEN || undefined;
  return { base: base.origin + base.pathname.replace(/\/(v1\/alerts\/alertmanager)?\/?$/, ''), token };
}

export const endpointOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const endpointHelp = `  --url URL       the stormgate endpoint (default: STORMGATE_URL, else http://127.0.0.1:8080)
  --token TOKEN   the bearer token (default: STORMGATE_TOKEN)
  --json          print JSON instead of lines`;

export const redisOptions = {
  redis: { type: 'string' },
  cluster: { type: 'string' },
  password: { type: 'string' },
  tls: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/**
 * stormgate's configuration (lib/config, validated) from the environment, with the Redis that --redis URL
 * or --cluster host:port,… names (else REDIS_URL / REDIS_CLUSTER_NODES), --password and --tls.
 */
export function redisConfigOf(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): Config & { readonly redis: RedisTarget } {
  const { redis: url, cluster, password } = values;
  if (typeof url === 'string' && typeof cluster === 'string') throw new UsageError('give --redis or --cluster, not both');
  let config: Config;
  try {
    config = loadConfig({
      ...env,
      ...(typeof url === 'string' && { REDIS_URL: url, REDIS_CLUSTER_NODES: undefined }),
      ...(typeof cluster === 'string' && { REDIS_CLUSTER_NODES: cluster, REDIS_URL: undefined }),
      ...(typeof password === 'string' && { REDIS_PASSWORD: password }),
      ...(values.tls === true && { REDIS_TLS: 'true' }),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(error.message.replace('REDIS_URL', '--redis (REDIS_URL)').replace('REDIS_CLUSTER_NODES', '--cluster (REDIS_CLUSTER_NODES)'));
  }
  const { redis } = config;
  if (redis === undefined) throw new UsageError('give --redis URL or --cluster host:port,… (or REDIS_URL / REDIS_CLUSTER_NODES)');
  return { ...config, redis };
}

/** How long a Redis has to answer the first PING (a cluster's client would otherwise wait for it forever). */
const redisAnswerMs = 5_000;

/**
 * Connects to `target`, makes sure it answers, runs `use` and disconnects. A Redis that does not answer
 * (at first, or later: RedisUnavailableError) is exit code 3, with the reason on stderr.
 */
export async function withRedis(target: RedisTarget, io: CommandIo, use: (client: RedisClient) => Promise<number>): Promise<number> {
  const client = createRedisClient(target);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${redisAnswerMs / 1000} s`)), redisAnswerMs);
      }),
    ]);
  } catch (error) {
    io.err(`Redis did not answer: ${(error as Error).message}`);
    client.disconnect();
    return exitCodes.unreachable;
  } finally {
    clearTimeout(timer);
  }
  try {
    return await use(client);
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    io.err(error.message);
    return exitCodes.unreachable;
  } finally {
    client.disconnect();
  }
}
