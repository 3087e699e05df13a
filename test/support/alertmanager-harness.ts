import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/free-port.js';

export interface AlertmanagerOptions {
  /** The stormgate webhook URL. */
  readonly webhookUrl: string;
  readonly bearerToken: string;
  /** Route timing (Alertmanager durations such as '2s'; its minimum is 1s). Defaults: 1s, 1s, 1h. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  /** The route's group_by labels. Default: alertname and namespace. */
  readonly groupBy?: readonly string[];
  /**
   * An HA member: gossips on 127.0.0.1:`listenPort` with `peers` (host:port). `peerTimeout` is how long
   * the second member waits for the first's notification before sending its own (Alertmanager: 15s);
   * short, both deliver, as HA pairs do whenever gossip is slower than that.
   */
  readonly cluster?: { readonly listenPort: number; readonly peers: readonly string[]; readonly peerTimeout?: string };
}

export interface RunningAlertmanager {
  readonly url: string;
  /** The binary's process id (for its CPU time in /proc). */
  readonly pid: number;
  /** The sum of a counter of its /metrics (every label set), e.g. alertmanager_notifications_failed_total. */
  counter(name: string): Promise<number>;
  /** Pushes alerts to Alertmanager's API, as Prometheus does. */
  pushAlerts(alerts: { labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }[]): Promise<void>;
  stop(): Promise<void>;
}

/** The real `prometheus-alertmanager` binary (Debian), routing every alert to stormgate with bearer auth. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const directory = mkdtempSync(join(tmpdir(), 'sg-alertmanager-'));
  const port = await freePort();
  writeFileSync(
    join(directory, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: stormgate',
      `  group_by: [${(options.groupBy ?? ['alertname', 'namespace']).map((label) => `'${label}'`).join(', ')}]`,
      `  group_wait: ${options.groupWait ?? '1s'}`,
      `  group_interval: ${options.groupInterval ?? '1s'}`,
      `  repeat_interval: ${options.repeatInterval ?? '1h'}`,
      'receivers:',
      '  - name: stormgate',
      '    webhook_configs:',
      `      - url: ${options.webhookUrl}`,
      '        send_resolved: true',
      '        max_alerts: 0',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: ${options.bearerToken}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(directory, 'alertmanager.yml')}`,
      `--storage.path=${directory}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.cluster
        ? [
            `--cluster.listen-address=127.0.0.1:${options.cluster.listenPort}`,
            `--cluster.advertise-address=127.0.0.1:${options.cluster.listenPort}`,
            ...options.cluster.peers.map((peer) => `--cluster.peer=${peer}`),
            `--cluster.peer-timeout=${options.cluster.peerTimeout ?? '15s'}`,
            '--cluster.gossip-interval=50ms',
            '--cluster.pushpull-interval=1s',
          ]
        : ['--cluster.listen-address=']),
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`alertmanager did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid as number,
    counter: async (name) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
    pushAlerts: async (alerts) => {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(alerts.map((alert) => ({ generatorURL: 'http://prometheus.local/graph', annotations: {}, ...alert }))),
      });
      if (!response.ok) throw new Error(`alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
