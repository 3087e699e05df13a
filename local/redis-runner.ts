import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisTarget } from '../lib/config/index.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface RedisServerOptions {
  /** maxmemory with noeviction, so that a leak fails loudly (default 16mb). */
  readonly maxmemory?: string;
  /** Standalone only: this port instead of a free one (a restart where clients expect it). */
  readonly port?: number;
}

export interface RunningRedis {
  /** `REDIS_URL` (standalone) or undefined (cluster). */
  readonly url?: string;
  /** `REDIS_CLUSTER_NODES` (cluster) or undefined (standalone). */
  readonly clusterNodes?: string;
  readonly ports: readonly number[];
  /** Environment variables that point stormgate at this server. */
  readonly env: Record<string, string>;
  /** Cluster only: kills one node with SIGKILL (a crashed master, for a failover). */
  kill?(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** How stormgate's client factory reaches this server (standalone URL, or the cluster's nodes). */
export function redisTargetOf(server: RunningRedis): RedisTarget {
  return server.url !== undefined
    ? { mode: 'standalone', url: server.url, tls: false }
    : { mode: 'cluster', nodes: server.ports.map((port) => ({ host: '127.0.0.1', port })), tls: false };
}

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function spawnServer(port: number, directory: string, options: RedisServerOptions, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', directory,
      '--save', '',
      '--appendonly', 'no',
      '--maxmemory', options.maxmemory ?? '16mb',
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}: ${stderr}`))),
  );
  await Promise.race([waitFor(async () => (await redisCli(port, 'PING')) === 'PONG', `redis-server on port ${port}`), exited]);
  exited.catch(() => undefined);
  return child;
}

async function stopAll(children: ChildProcess[], directory: string): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(directory, { recursive: true, force: true });
}

/** A real redis-server on a free loopback port, no persistence. */
export async function startRedisStandalone(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const directory = mkdtempSync(join(tmpdir(), 'sg-redis-'));
  const port = options.port ?? (await freePort());
  const child = await spawnServer(port, directory, options);
  const url = `redis://127.0.0.1:${port}`;
  return { url, ports: [port], env: { REDIS_URL: url }, stop: () => stopAll([child], directory) };
}

/**
 * A real Redis Cluster on free loopback ports, built with `redis-cli --cluster create`: 3 masters, and
 * `replicas` replicas of each (none by default). `ports` lists masters first.
 */
export async function startRedisCluster(options: RedisServerOptions & { masters?: number; replicas?: number } = {}): Promise<RunningRedis> {
  const directory = mkdtempSync(join(tmpdir(), 'sg-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const replicas = options.replicas ?? 0;
  try {
    for (let index = 0; index < (options.masters ?? 3) * (1 + replicas); index += 1) {
      const port = await freePort();
      ports.push(port);
      children.push(
        await spawnServer(port, directory, options, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', `nodes-${port}.conf`,
          '--cluster-node-timeout', '2000',
        ]),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await waitFor(
      async () => (await Promise.all(ports.map((port) => redisCli(port, 'CLUSTER', 'INFO')))).every((info) => info.includes('cluster_state:ok')),
      'cluster_state:ok on every node',
    );
    if (replicas > 0) {
      // Every replica has synced with its master (a failover before that would lose what was written).
      await waitFor(
        async () => (await Promise.all(ports.map((port) => redisCli(port, 'INFO', 'replication')))).every((info) => !info.includes('role:slave') || info.includes('master_link_status:up')),
        'replicas in sync',
        30_000,
      );
    }
  } catch (error) {
    await stopAll(children, directory);
    throw error;
  }
  const clusterNodes = ports.map((port) => `127.0.0.1:${port}`).join(',');
  const kill = async (port: number) => {
    const child = children[ports.indexOf(port)];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { clusterNodes, ports, env: { REDIS_CLUSTER_NODES: clusterNodes }, kill, stop: () => stopAll(children, directory) };
}
