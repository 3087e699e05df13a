import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/free-port.js';
import { type KubeObject, KubeStandin } from '../../local/kube-standin/server.js';
import { type RunningRedis, startRedisStandalone } from '../../local/redis-runner.js';
import { type RunningAlertmanager, startAlertmanager } from '../support/alertmanager-harness.js';
import { eventually, type LocalRuntimeProcess, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

type RequestStatus = { signal?: { state?: string }; deduplication?: { occurrenceCount?: number }; storm?: { members?: number; resolvedMembers?: number } };
const statusOf = (request: KubeObject) => (request.status ?? {}) as RequestStatus;
const functionsToken = 'sg-ha-test-functions-token';
const groupInterval = '1s';

/**
 * Two real `prometheus-alertmanager` processes in an HA cluster (gossip on loopback), both receiving every
 * alert as Prometheus sends them, both delivering to the local runtime: one request per problem, one
 * aggregated request per storm, however many copies arrive. Then a receiver outage: Alertmanager's own
 * retries carry the alerts over it. Redis and the Kubernetes stand-in live in the test's process, so the
 * runtime can go down and come back on the same port without losing state, as the deployed endpoint does.
 */
describe('an Alertmanager HA pair delivering to stormgate', () => {
  let redis: RunningRedis;
  let standin: KubeStandin;
  let port: number;
  let stateDirectory: string | undefined;
  let runtime: LocalRuntimeProcess | undefined;
  const alertmanagers: RunningAlertmanager[] = [];

  const startRuntime = async () => {
    runtime = await startLocalRuntimeProcess({
      ...redis.env,
      KUBE_API_URL: standin.url,
      KUBE_TOKEN: functionsToken,
      PORT: String(port),
      AUTH_TOKENS: 'ha-test-token-0123456789',
      STORM_THRESHOLD: '5',
      STORM_HOLD_SECONDS: '1',
      STORM_INACTIVITY_SECONDS: '2',
      SWEEP_INTERVAL_SECONDS: '1',
      STATUS_WRITE_INTERVAL_SECONDS: '1',
      ...(stateDirectory !== undefined && { LOCAL_STATE_DIR: stateDirectory }),
    });
    stateDirectory = runtime.stateDirectory;
    return runtime;
  };
  /** Both members receive every alert, as Prometheus sends to every Alertmanager of a pair. */
  const pushToBoth = async (alerts: Parameters<RunningAlertmanager['pushAlerts']>[0]) => {
    for (const alertmanager of alertmanagers) await alertmanager.pushAlerts(alerts);
  };
  /** Requests about a namespace: a pod's (target in it) or a storm's (the namespace is the target). */
  const requests = (namespace: string) =>
    standin.list('remediationrequests', 'stormgate').filter((request) => {
      const target = (request.spec as { targetResource?: { kind?: string; name?: string; namespace?: string } }).targetResource;
      return target?.namespace === namespace || (target?.kind === 'Namespace' && target.name === namespace);
    });
  const deliveries = () => (runtime?.logs ?? []).filter((line) => line.message === 'notification accepted').length;

  beforeAll(async () => {
    redis = await startRedisStandalone({ maxmemory: '16mb' });
    standin = await KubeStandin.start({ token: functionsToken, namespaces: ['ha-single', 'ha-storm', 'ha-outage'] });
    port = await freePort();
    await startRuntime();
    const [first, second] = [await freePort(), await freePort()];
    const webhookUrl = `http://127.0.0.1:${port}/v1/alerts/alertmanager`;
    // peer_timeout 0: the second member does not wait for the first's notification log, so both deliver
    // (what an HA pair does whenever gossip is slower than its peer_timeout).
    for (const [listen, peer] of [[first, second], [second, first]] as const) {
      alertmanagers.push(
        await startAlertmanager({ webhookUrl, bearerToken: 'ha-test-token-0123456789', groupInterval, cluster: { listenPort: listen, peers: [`127.0.0.1:${peer}`], peerTimeout: '0s' } }),
      );
    }
  });
  afterEach(async () => {
    if (!runtime) await startRuntime();
  });
  afterAll(async () => {
    for (const alertmanager of alertmanagers) await alertmanager.stop();
    await runtime?.stop();
    await standin?.stop();
    await redis?.stop();
  });

  it('creates one request per problem from the copies both members deliver, and resolves each once', async () => {
    const pods = ['api-0', 'worker-0', 'cron-0'];
    const before = deliveries();
    await pushToBoth(pods.map((pod) => ({ labels: { alertname: `HaSingle-${pod}`, namespace: 'ha-single', pod, severity: 'warning' } })));
    await eventually(async () => (requests('ha-single').length === 3 && requests('ha-single').every((request) => statusOf(request).signal?.state === 'Firing') ? true : undefined), 'three requests', 30_000);
    // Every group was delivered (by one member, or by both when gossip was slower than the other's send):
    // however many copies, one request each.
    await eventually(async () => (deliveries() - before >= pods.length ? true : undefined), 'a delivery of every group', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(requests('ha-single').map((request) => (request.spec as { signalName: string }).signalName).sort()).toEqual(pods.map((pod) => `HaSingle-${pod}`).sort());

    const endsAt = new Date().toISOString();
    await pushToBoth(pods.map((pod) => ({ labels: { alertname: `HaSingle-${pod}`, namespace: 'ha-single', pod, severity: 'warning' }, endsAt })));
    await eventually(async () => (requests('ha-single').every((request) => statusOf(request).signal?.state === 'Resolved') ? true : undefined), 'every request Resolved', 30_000);
    expect(requests('ha-single')).toHaveLength(3);
    process.stderr.write(`[alertmanager-ha] ${pods.length} groups firing then resolved: ${deliveries() - before} notifications accepted from the pair, 3 requests\n`);
  });

  it('aggregates a storm that both members deliver, and re-deliver as it grows, into one request', async () => {
    const podAlert = (index: number, endsAt?: string) => ({ labels: { alertname: 'HaStorm', namespace: 'ha-storm', pod: `web-${index}`, severity: 'critical' }, ...(endsAt && { endsAt }) });
    await pushToBoth(Array.from({ length: 8 }, (_, index) => podAlert(index)));
    // The group grows: each member re-sends the WHOLE group at its next group_interval.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await pushToBoth(Array.from({ length: 4 }, (_, index) => podAlert(8 + index)));
    await eventually(async () => (requests('ha-storm').length === 1 && statusOf(requests('ha-storm')[0] as KubeObject).storm?.members === 12 ? true : undefined), 'the storm with its 12 members', 40_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(requests('ha-storm').map((request) => [request.metadata.name, request.status]))}`);
    });
    expect(requests('ha-storm')).toHaveLength(1);

    const endsAt = new Date().toISOString();
    await pushToBoth(Array.from({ length: 12 }, (_, index) => podAlert(index, endsAt)));
    await eventually(async () => (requests('ha-storm').every((request) => statusOf(request).signal?.state === 'Resolved') ? true : undefined), 'the storm Resolved', 40_000);
    expect(requests('ha-storm')).toHaveLength(1);
    expect(statusOf(requests('ha-storm')[0] as KubeObject).storm).toMatchObject({ members: 12, resolvedMembers: 12 });
  });

  it('loses nothing over a receiver outage: Alertmanager retries until stormgate is back', async () => {
    await runtime?.stop();
    runtime = undefined;
    const failedBefore = (await Promise.all(alertmanagers.map((alertmanager) => alertmanager.counter('alertmanager_notifications_failed_total')))).reduce((a, b) => a + b, 0);
    await pushToBoth([{ labels: { alertname: 'HaOutage', namespace: 'ha-outage', pod: 'db-0', severity: 'critical' } }]);
    // Each member tried, and failed, to deliver while the endpoint was down.
    await eventually(async () => {
      const failed = await Promise.all(alertmanagers.map((alertmanager) => alertmanager.counter('alertmanager_notifications_failed_total')));
      return failed.reduce((a, b) => a + b, 0) - failedBefore >= 2 ? true : undefined;
    }, 'failed deliveries during the outage', 30_000);
    expect(requests('ha-outage')).toEqual([]);

    await startRuntime();
    await eventually(async () => (requests('ha-outage').length === 1 && statusOf(requests('ha-outage')[0] as KubeObject).signal?.state === 'Firing' ? true : undefined), 'the request after the outage', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(requests('ha-outage')).toHaveLength(1);
  });
});
