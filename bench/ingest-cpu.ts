/**
 * Ingest alone, for comparing two builds quickly: CPU per 100-alert notification of the ingest handler
 * invoked in-process 300 times after 50 warm-up invocations (the Lambda invoke endpoint is an in-process
 * sink here, included). `npm run bench` measures the same with the sink out of process (function-cpu.ts).
 *   node --import tsx bench/ingest-cpu.ts | tail -1     (the function logs to stdout; the figure is the last line)
 */
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext } from '../local/lambda-context.js';
import { startRedisStandalone } from '../local/redis-runner.js';
import { proxyEvent } from '../test/support/builders/api-gateway-event.js';
import { alert, webhook } from '../test/support/builders/webhook.js';
import { startLambdaSink } from './lambda-sink.js';

const redis = await startRedisStandalone({ maxmemory: '256mb' });
const sink = await startLambdaSink();
Object.assign(process.env, {
  REDIS_URL: redis.url,
  KUBE_API_URL: 'http://127.0.0.1:1',
  KUBE_TOKEN: 'unused',
  AUTH_TOKENS: 'bench-token-0123456789',
  AWS_ENDPOINT_URL_LAMBDA: sink.url,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  TENANT_RATE_ALERTS_PER_SECOND: '1000000',
  TENANT_RATE_BURST: '1000000',
});
const { handler } = (await import('../functions/ingest/handler.js')) as unknown as { handler: (event: unknown, context: Context) => Promise<APIGatewayProxyResult> };
const body = JSON.stringify(webhook(Array.from({ length: 100 }, (_, index) => alert({ labels: { alertname: 'IngestBench', namespace: 'bench', pod: `pod-${index}` } }))));
const invoke = async () => {
  const response = await handler(proxyEvent({ headers: { Authorization: 'Bearer bench-token-0123456789', 'Content-Type': 'application/json' }, body }), lambdaContext('stormgate-ingest', 10_000));
  if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
  await fetch(`${sink.url}/payloads`, { method: 'DELETE' });
};
try {
  for (let warm = 0; warm < 50; warm += 1) await invoke();
  const before = process.cpuUsage();
  for (let run = 0; run < 300; run += 1) await invoke();
  const used = process.cpuUsage(before);
  process.stdout.write(`${JSON.stringify({ ingest_cpu_ms_per_notification_with_sink: Number(((used.user + used.system) / 1000 / 300).toFixed(2)) })}\n`);
} finally {
  await sink.stop();
  await redis.stop();
}
process.exit(0);
