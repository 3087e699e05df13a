/**
 * What the stack costs per month at a given alert rate, for each Redis topology, computed from the
 * resources the default stack creates and us-east-1 list prices (USD; check current prices before
 * relying on them). Run:
 *   node --import tsx bench/cost-estimate.ts
 * Assumptions are explicit below; per-invocation durations and sizes are rough figures from
 * `npm run bench` on the local runtime, not Lambda measurements.
 */
import { stormgateMetrics } from '../lib/telemetry/metrics.js';

const hoursPerMonth = 730;
const secondsPerMonth = hoursPerMonth * 3600;
const prices = {
  apiGatewayPerMillion: 3.5, // REST API, first 333 M requests
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  natGatewayPerHour: 0.045,
  natPerGb: 0.045,
  publicIpv4PerHour: 0.005, // every public IPv4 address, the NAT gateway's Elastic IP included
  interfaceEndpointPerAzHour: 0.01,
  interfaceEndpointPerGb: 0.01,
  valkeyServerlessPerGbHour: 0.084, // ElastiCache Serverless for Valkey, data stored (100 MB minimum)
  valkeyPerMillionEcpu: 0.0023,
  valkeyT4gMicroPerHour: 0.0128, // node-based Valkey, cache.t4g.micro (Redis OSS price less 20%)
  secretPerMonth: 0.4,
  secretsApiPer10k: 0.05,
  alarmPerMonth: 0.1, // standard resolution, per metric in the alarm (math over n nodes counts n)
  dashboardPerMonth: 3, // beyond the account's 3 free dashboards
  customMetricPerMonth: 0.3, // each of stormgate's EMF metrics (one series: dimension service) is one custom metric
  kmsKeyPerMonth: 1,
  logsPerGbIngested: 0.5,
  xrayPerMillionTraces: 5, // first 100,000 traces a month free
};
const xrayFreeTraces = 100_000;

/** The default stack (README, "Deploy"): one NAT gateway, two interface endpoints in two AZs, 3 functions of 256 MB. */
const stack = { natGateways: 1, interfaceEndpoints: 2, azs: 2, memoryGb: 0.25, customMetrics: Object.keys(stormgateMetrics).length };

interface Topology {
  readonly name: 'cluster' | 'serverless';
  /** Secrets: accepted tokens, kubeconfig, and in cluster mode the Redis AUTH token. */
  readonly secrets: number;
  /** Metrics watched by alarms: API 5xx, errors + throttles of 3 functions, 2 dead-letter queues, decision latency, request flood, Redis memory/CPU/evictions per node. */
  readonly alarmMetrics: number;
  redis(alerts: number): number;
}

const clusterNodes = 2; // 1 shard, 1 replica (Multi-AZ failover)
const topologies: Topology[] = [
  {
    name: 'cluster',
    secrets: 3,
    alarmMetrics: 1 + 6 + 2 + 2 + 3 * clusterNodes,
    redis: () => clusterNodes * hoursPerMonth * prices.valkeyT4gMicroPerHour,
  },
  {
    name: 'serverless',
    secrets: 2,
    alarmMetrics: 1 + 6 + 2 + 2 + 3,
    // ~3 ECPU per alert (one script step per batch, reads and writes < 1 KB per signal).
    redis: (alerts) => 0.1 * hoursPerMonth * prices.valkeyServerlessPerGbHour + ((alerts * 3) / 1e6) * prices.valkeyPerMillionEcpu,
  },
];

interface Load {
  readonly label: string;
  readonly alertsPerMinute: number;
  /** Alerts per webhook notification (Alertmanager groups alerts; a storm arrives in large groups). */
  readonly alertsPerNotification: number;
  /** Dedup invocations that wait out STORM_HOLD_SECONDS (3 s): new signals of a storm key with recent activity. */
  readonly heldFraction: number;
}

const holdSeconds = 3;

/** X-Ray's default sampling: the first request each second, then 5% of the rest; every sweep (1/min) fits in the first. */
function sampledTraces(requestsPerSecond: number): number {
  const perSecond = Math.min(requestsPerSecond, 1) + Math.max(0, requestsPerSecond - 1) * 0.05;
  return perSecond * secondsPerMonth + 60 * hoursPerMonth;
}

function monthlyCost(load: Load, topology: Topology) {
  const alerts = load.alertsPerMinute * 60 * hoursPerMonth;
  const notifications = alerts / load.alertsPerNotification;
  const sweeps = 60 * hoursPerMonth;
  const gbSeconds = (invocations: number, seconds: number) => invocations * stack.memoryGb * seconds;
  // ingest ~60 ms and dedup ~80 ms per notification, plus the billed hold; the sweep ~200 ms a minute.
  const lambdaGbSeconds = gbSeconds(notifications, 0.06) + gbSeconds(notifications, 0.08) + gbSeconds(notifications * load.heldFraction, holdSeconds) + gbSeconds(sweeps, 0.2);
  const lambdaRequests = notifications * 2 + sweeps;
  const notificationBytes = 600 + 1_200 * load.alertsPerNotification;
  // ~1 KB of function logs per invocation, ~0.5 KB of access log per request, flow logs ~0.3 KB per notification.
  const logsGb = (lambdaRequests * 1024 + notifications * 512 + notifications * 300) / 1024 ** 3;
  const traces = sampledTraces(notifications / secondsPerMonth);
  // Warm functions re-read the token secret (ingest) and the kubeconfig (dedup, sweep) every 5 minutes; assume 4 warm containers of each.
  const secretReads = 3 * 4 * 12 * hoursPerMonth;
  const handoffGb = (notifications * notificationBytes) / 1024 ** 3;
  const lines = {
    'API Gateway': (notifications / 1e6) * prices.apiGatewayPerMillion,
    'Lambda (3 functions, dedup hold billed)': (lambdaRequests / 1e6) * prices.lambdaPerMillionRequests + lambdaGbSeconds * prices.lambdaArmPerGbSecond,
    [`ElastiCache (${topology.name === 'cluster' ? `cluster mode, ${clusterNodes} × cache.t4g.micro` : 'Serverless Valkey'})`]: topology.redis(alerts),
    'NAT gateway and its public IPv4': stack.natGateways * hoursPerMonth * (prices.natGatewayPerHour + prices.publicIpv4PerHour) + ((notifications * 4096) / 1024 ** 3) * prices.natPerGb,
    'VPC endpoints (Lambda, Secrets Manager)': stack.interfaceEndpoints * stack.azs * hoursPerMonth * prices.interfaceEndpointPerAzHour + handoffGb * prices.interfaceEndpointPerGb,
    'X-Ray traces (default sampling)': (Math.max(0, traces - xrayFreeTraces) / 1e6) * prices.xrayPerMillionTraces,
    [`CloudWatch: alarms, dashboard, ${stack.customMetrics} custom metrics`]: topology.alarmMetrics * prices.alarmPerMonth + prices.dashboardPerMonth + stack.customMetrics * prices.customMetricPerMonth,
    'Secrets, KMS key': topology.secrets * prices.secretPerMonth + (secretReads / 1e4) * prices.secretsApiPer10k + prices.kmsKeyPerMonth,
    'CloudWatch Logs': logsGb * prices.logsPerGbIngested,
  };
  const total = Object.values(lines).reduce((sum, value) => sum + value, 0);
  return { alerts, notifications, lines, total };
}

const loads: Load[] = [
  { label: '100 alerts/min, 1 per notification', alertsPerMinute: 100, alertsPerNotification: 1, heldFraction: 0.05 },
  { label: '10,000 alerts/min, 20 per notification', alertsPerMinute: 10_000, alertsPerNotification: 20, heldFraction: 0.2 },
];
for (const load of loads) {
  for (const topology of topologies) {
    const cost = monthlyCost(load, topology);
    process.stdout.write(
      `\n${load.label}, Redis ${topology.name}: ${(cost.alerts / 1e6).toFixed(1)} M alerts, ${(cost.notifications / 1e6).toFixed(2)} M requests a month (${(load.heldFraction * 100).toFixed(0)}% of dedup invocations hold ${holdSeconds} s)\n`,
    );
    for (const [line, value] of Object.entries(cost.lines)) process.stdout.write(`  ${line.padEnd(52)} $${value.toFixed(2)}\n`);
    process.stdout.write(`  ${'total'.padEnd(52)} $${cost.total.toFixed(2)} / month\n`);
  }
}
