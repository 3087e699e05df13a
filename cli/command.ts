import type { ParseArgsConfig } from 'node:util';

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
