/**
 * What the stack costs per month at a given alert rate, computed from the resources it creates and
 * us-east-1 list prices (USD; check current prices before relying on them). Run:
 *   node --import tsx bench/cost-estimate.ts
 * Assumptions are explicit below; the per-invocation durations and sizes come from `npm run bench`
 * on the local runtime and are rough for Lambda.
 */
const hoursPerMonth = 730;
const prices = {
  apiGatewayPerMillion: 3.5, // REST API, first 333 M requests
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  natGatewayPerHour: 0.045,
  natPerGb: 0.045,
  interfaceEndpointPerAzHour: 0.01,
  valkeyServerlessPerGbHour: 0.084, // ElastiCache Serverless for Valkey, data stored (100 MB minimum)
  valkeyPerMillionEcpu: 0.0023,
  secretPerMonth: 0.4,
  alarmPerMonth: 0.1,
  dashboardPerMonth: 3,
  kmsKeyPerMonth: 1,
  logsPerGbIngested: 0.5,
};

const stack = { natGateways: 1, interfaceEndpoints: 2, azs: 2, secrets: 2, alarms: 13, memoryMb: 256 };

interface Load {
  readonly alertsPerMinute: number;
  /** Alerts per webhook notification (Alertmanager groups alerts; a storm arrives in large groups). */
  readonly alertsPerNotification: number;
}

function monthlyCost(load: Load) {
  const alerts = load.alertsPerMinute * 60 * hoursPerMonth;
  const notifications = alerts / load.alertsPerNotification;
  const gbSeconds = (invocations: number, seconds: number) => invocations * (stack.memoryMb / 1024) * seconds;
  // ingest ~60 ms and dedup ~80 ms per notification; the sweep runs every minute for ~200 ms.
  const lambdaGbSeconds = gbSeconds(notifications, 0.06) + gbSeconds(notifications, 0.08) + gbSeconds(60 * hoursPerMonth, 0.2);
  const lambdaRequests = notifications * 2 + 60 * hoursPerMonth;
  // ~1 KB of logs per invocation; ~3 ECPU per alert (one small script step, reads and writes < 1 KB).
  const logsGb = (lambdaRequests * 1024) / 1024 ** 3;
  const ecpu = alerts * 3;
  const lines = {
    'API Gateway': (notifications / 1e6) * prices.apiGatewayPerMillion,
    'Lambda (3 functions)': (lambdaRequests / 1e6) * prices.lambdaPerMillionRequests + lambdaGbSeconds * prices.lambdaArmPerGbSecond,
    'ElastiCache Serverless (Valkey)': 0.1 * hoursPerMonth * prices.valkeyServerlessPerGbHour + (ecpu / 1e6) * prices.valkeyPerMillionEcpu,
    'NAT gateway (public EKS endpoint)': stack.natGateways * hoursPerMonth * prices.natGatewayPerHour + (notifications * 4096 * prices.natPerGb) / 1024 ** 3,
    'VPC endpoints (Lambda, Secrets Manager)': stack.interfaceEndpoints * stack.azs * hoursPerMonth * prices.interfaceEndpointPerAzHour,
    'Secrets, alarms, dashboard, KMS': stack.secrets * prices.secretPerMonth + stack.alarms * prices.alarmPerMonth + prices.dashboardPerMonth + prices.kmsKeyPerMonth,
    'CloudWatch Logs': logsGb * prices.logsPerGbIngested,
  };
  const total = Object.values(lines).reduce((sum, value) => sum + value, 0);
  return { alerts, notifications, lines, total };
}

const loads: Load[] = [
  { alertsPerMinute: 100, alertsPerNotification: 1 },
  { alertsPerMinute: 10_000, alertsPerNotification: 20 },
];
for (const load of loads) {
  const cost = monthlyCost(load);
  process.stdout.write(`\n${load.alertsPerMinute} alerts/min (${load.alertsPerNotification} per notification): ${(cost.alerts / 1e6).toFixed(1)} M alerts, ${(cost.notifications / 1e6).toFixed(2)} M requests a month\n`);
  for (const [line, value] of Object.entries(cost.lines)) process.stdout.write(`  ${line.padEnd(42)} $${value.toFixed(2)}\n`);
  process.stdout.write(`  ${'total'.padEnd(42)} $${cost.total.toFixed(2)} / month\n`);
}
