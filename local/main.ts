/**
 * `npm start`: the whole stormgate pipeline in the foreground on http://127.0.0.1:${PORT:-8080}.
 * Stops cleanly on SIGINT/SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { decisionLine, LiveSummary } from './decision-lines.js';
import { startLocalStack } from './local-stack.js';

const print = (line: string) => process.stdout.write(`${line}\n`);
const log = (message: string, fields: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ level: 'INFO', service: 'stormgate-local', message, ...fields })}\n`);

const retryDelaysText = process.env.LOCAL_ASYNC_RETRY_DELAYS_MS?.split(',');
const retryDelays = retryDelaysText?.map(Number);
if (retryDelaysText?.some((delay) => !/^\d+$/.test(delay.trim()))) {
  process.stderr.write(`LOCAL_ASYNC_RETRY_DELAYS_MS must be a comma-separated list of milliseconds, e.g. 200,400; got ${process.env.LOCAL_ASYNC_RETRY_DELAYS_MS}\n`);
  process.exit(1);
}

// One readable line per decision and a summary line replace the functions' JSON info logs on screen;
// LOG_LEVEL=INFO shows those too (warnings and errors always show).
process.env.LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL;

const stack = await startLocalStack({
  env: process.env,
  // Generated kubeconfig, queued async invocations, dead letters (LOCAL_STATE_DIR: one per runtime when several run).
  stateDirectory: process.env.LOCAL_STATE_DIR || fileURLToPath(new URL('../.local/', import.meta.url)),
  // Lambda waits about 1 and 2 minutes before its two async retries; LOCAL_ASYNC_RETRY_DELAYS_MS=200,400 shortens them.
  ...(retryDelays && { asyncRetryDelaysMs: retryDelays }),
  log,
}).catch((error: unknown) => {
  process.stderr.write(`stormgate local runtime failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});

print('stormgate local runtime is up');
print(`  URL:             ${stack.url}`);
print(`  Webhook:         POST ${stack.url}/v1/alerts/alertmanager`);
print(`  Auth token:      ${stack.authToken}`);
print(`  Redis:           ${stack.redis}`);
print(`  Kubernetes API:  ${stack.kubeApiUrl}`);
if (stack.kubeconfigPath) print(`  kubectl:         kubectl --kubeconfig ${stack.kubeconfigPath} get remediationrequests -n stormgate`);
print('Press Ctrl+C to stop.');

// Imported once the stack set the functions' environment (the metrics read it when first loaded).
const { onDecision } = await import('../lib/telemetry/decisions.js');
const { onMetric } = await import('../lib/telemetry/metrics.js');
onDecision((decision) => print(decisionLine(decision)));
const summary = new LiveSummary();
onMetric((name, value) => summary.add(name, value));
const summaryEvery = setInterval(() => {
  const line = summary.take();
  if (line !== undefined) print(line);
}, 2_000);
summaryEvery.unref();

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log('stopping', { signal });
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
