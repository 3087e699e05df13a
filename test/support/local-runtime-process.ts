import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { withoutStormgateVariables } from './stormgate-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalRuntimeProcess {
  readonly url: string;
  /** The runtime's process id (for its CPU time in /proc). */
  readonly pid: number;
  readonly token: string;
  readonly redisUrl: string;
  readonly kubeApiUrl: string;
  /** Structured log lines the runtime printed so far. */
  readonly logs: Record<string, unknown>[];
  /** Everything it printed so far, stdout and stderr, as text. */
  output(): string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Its state directory (LOCAL_STATE_DIR): queued async invocations, dead letters, kubeconfig. */
  readonly stateDirectory: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL (a crash: nothing runs after it) and resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Calls `each` with every complete line of `stream`. */
function onLines(stream: Readable | null, each: (line: string) => void): void {
  let buffered = '';
  stream?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) each(line);
  });
}

/** Runs the local runtime exactly as `npm start` does (after set-up), on a free port, and reads its banner. */
export async function startLocalRuntimeProcess(env: Record<string, string> = {}): Promise<LocalRuntimeProcess> {
  // Its own state directory unless given one (a restart of the same runtime): runtimes never share queues.
  const stateDirectory = env.LOCAL_STATE_DIR ?? mkdtempSync(join(tmpdir(), 'sg-runtime-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: root,
    env: { ...withoutStormgateVariables(process.env), PORT: '0', LOG_LEVEL: 'INFO', POWERTOOLS_LOG_LEVEL: 'INFO', SWEEP_INTERVAL_SECONDS: '3600', ...env, LOCAL_STATE_DIR: stateDirectory },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const banner: Record<string, string> = {};
  const logs: Record<string, unknown>[] = [];
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const keepLog = (line: string) => {
    if (!line.startsWith('{')) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  };

  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`local runtime exited with ${code} before it was ready:\n${output}`)));
    // The functions log JSON on stdout (after the banner); the runtime's own lines (async retries, dead
    // letters) are JSON on stderr.
    onLines(child.stdout, (line) => {
      const field = /^\s+([A-Za-z ]+):\s+(\S.*)$/.exec(line);
      if (field?.[1] && field[2]) banner[field[1].trim()] = field[2].trim();
      keepLog(line);
      if (line.startsWith('Press Ctrl+C')) resolve();
    });
    onLines(child.stderr, keepLog);
  });
  await ready;

  const waitForLog: LocalRuntimeProcess['waitForLog'] = async (predicate, what, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${output.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    url: banner.URL ?? '',
    pid: child.pid as number,
    token: banner['Auth token'] ?? '',
    redisUrl: banner.Redis ?? '',
    kubeApiUrl: banner['Kubernetes API'] ?? '',
    logs,
    output: () => output,
    waitForLog,
    stateDirectory,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls until `probe` returns a value that is not undefined. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A client of the runtime's Kubernetes API (the stand-in speaks plain http), as a test reads requests with. */
export function kubeApiFor(server: string): CustomObjectsApi {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'local', server, skipTLSVerify: true }],
    users: [{ name: 'local' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local' }],
    currentContext: 'local',
  });
  return config.makeApiClient(CustomObjectsApi);
}
