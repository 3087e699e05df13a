import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { alert, type AlertFixture } from '../support/builders/webhook.js';
import { type KubeObject, standinAdminToken } from '../../local/kube-standin/server.js';
import { type IntegrationStack, startIntegrationStack, type Topology } from '../support/integration-stack.js';
import { storedKeys } from '../support/redis-keys.js';

const minFiringSeconds = 120;
const cooldownSeconds = 600;
// Deferred alerts start this much short of MIN_FIRING_SECONDS, and the grace is as long: wide enough that
// a loaded machine's delivery never crosses a boundary the test means to stay on one side of.
const marginSeconds = 4;
const graceSeconds = 4;
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const grouped = { groupKey: '{}:{alertname="KubePodCrashLooping", namespace="shop"}', groupLabels: { alertname: 'KubePodCrashLooping', namespace: 'shop' } };

type Receipt = { alerts: { fingerprint: string; target: { kind: string; name: string }; owner?: { pod: string; source: string; reason?: string } }[] };
type Decision = { lastDecision: { outcome: string; action: string; reason: string }; remediationRequest: { state: string } };
type Status = { phase?: string; recurrences?: { count: number; lastEpisodeStartedAt: string }; signal?: { state: string } };

/**
 * Remediation-aware dedup (issue 17; docs/LIFECYCLE.md "Remediation-aware decisions") through the real
 * handlers on real Redis of the given topology, with pods, ReplicaSets and Deployments in the Kubernetes
 * stand-in: owner fingerprints, the cooldown after a Completed remediation, the manual-review block, the
 * flap guard. MIN_FIRING_SECONDS is 120: alerts that must not be deferred started longer ago.
 */
export function remediationAwareScenarios(topology: Topology): void {
  let it_: IntegrationStack;

  beforeAll(async () => {
    it_ = await startIntegrationStack(topology, {
      FINGERPRINT_STRATEGY: 'owner',
      REMEDIATION_COOLDOWN_SECONDS: String(cooldownSeconds),
      MIN_FIRING_SECONDS: String(minFiringSeconds),
      // Alertmanager's group_interval would be 300: short here, so that the sweep's look comes within the test.
      FLAP_RESOLVE_GRACE_SECONDS: String(graceSeconds),
      STORM_HOLD_SECONDS: '0',
    });
    it_.standin.createNamespace('shop');
  });
  afterEach(() => it_.checkAndReset());
  afterAll(async () => {
    await it_?.stop();
  });

  const admin = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${it_.standin.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${standinAdminToken}`, 'Content-Type': contentType },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    expect(response.status).toBeLessThan(300);
  };
  const owned = (kind: string, name: string, owner?: { apiVersion: string; kind: string; name: string }) => ({
    kind,
    metadata: { name, ...(owner && { ownerReferences: [{ ...owner, uid: `${owner.kind}-${owner.name}`, controller: true }] }) },
  });
  /** A Deployment with its ReplicaSets and their pods, as the API server holds them. */
  async function deployment(name: string, replicaSets: Record<string, readonly string[]>): Promise<void> {
    await admin('POST', '/apis/apps/v1/namespaces/shop/deployments', { apiVersion: 'apps/v1', ...owned('Deployment', name) });
    for (const [hash, pods] of Object.entries(replicaSets)) {
      await admin('POST', '/apis/apps/v1/namespaces/shop/replicasets', { apiVersion: 'apps/v1', ...owned('ReplicaSet', `${name}-${hash}`, { apiVersion: 'apps/v1', kind: 'Deployment', name }) });
      for (const pod of pods) await admin('POST', '/api/v1/namespaces/shop/pods', { apiVersion: 'v1', ...owned('Pod', pod, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}` }) });
    }
  }
  /** What the remediation controller writes: its phase (and when it got there), or a human's label. */
  const controllerWrites = (request: string, status: Record<string, unknown>) =>
    admin('PATCH', `/apis/remediation.stormgate.dev/v1alpha1/namespaces/stormgate/remediationrequests/${request}/status`, { status }, 'application/merge-patch+json');
  const crashLooping = (pod: string, startedSecondsAgo: number, status: 'firing' | 'resolved' = 'firing'): AlertFixture =>
    alert({ status, labels: { namespace: 'shop', pod }, startsAt: secondsAgo(startedSecondsAgo), ...(status === 'resolved' && { endsAt: new Date().toISOString() }) });
  const deliver = async (alerts: AlertFixture[]) => (await it_.deliver(alerts, grouped)) as unknown as Receipt;
  const decisionOf = async (fingerprint: string) => {
    const response = await fetch(`${it_.stack.url}/v1/signals/${fingerprint}`, { headers: { Authorization: `Bearer ${it_.token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as Decision;
  };
  const statusOf = (request: KubeObject | undefined) => request?.status as Status | undefined;
  const podReads = () => it_.standin.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/v1/namespaces/shop/pods/'));

  describe(`owner fingerprints on ${topology} Redis`, () => {
    it('a rollout replacing 5 crash-looping pods of one Deployment makes 1 request, about the Deployment, each pod looked up at most once', async () => {
      const old = ['checkout-7d9f8b6c5-x2x4q', 'checkout-7d9f8b6c5-b8k2p', 'checkout-7d9f8b6c5-m4n6r'];
      const fresh = ['checkout-5c6d7f8b9-k2m4n', 'checkout-5c6d7f8b9-zz9xx'];
      await deployment('checkout', { '7d9f8b6c5': old, '5c6d7f8b9': fresh });
      // Alertmanager's group grows as the rollout replaces pods, and is re-sent whole each group_interval.
      const firstReceipt = await deliver(old.map((pod) => crashLooping(pod, 900)));
      await deliver([...old, fresh[0] as string].map((pod) => crashLooping(pod, 900)));
      const lastReceipt = await deliver([...old, ...fresh].map((pod) => crashLooping(pod, 900)));

      const requests = it_.requests();
      expect(requests).toHaveLength(1);
      expect((requests[0]?.spec as { targetResource: unknown }).targetResource).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', namespace: 'shop' });
      expect(requests[0]?.metadata.annotations).toEqual({ 'stormgate.dev/observed-pod': old[0], 'stormgate.dev/owner-source': 'api' });
      expect(new Set(lastReceipt.alerts.map((entry) => entry.fingerprint)).size).toBe(1);
      // The first notification read the pods' names (nothing cached yet); the API was asked once, for the
      // pod whose request was made, and later notifications read its answer from the cache.
      expect(firstReceipt.alerts[0]?.owner).toEqual({ pod: old[0], source: 'name-pattern', reason: 'owner-not-looked-up' });
      expect(lastReceipt.alerts[0]?.owner).toEqual({ pod: old[0], source: 'api' });
      expect(lastReceipt.alerts[0]?.target).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', namespace: 'shop' });
      expect(podReads().map((request) => request.path)).toEqual([`/api/v1/namespaces/shop/pods/${old[0]}`]);
      expect((statusOf(requests[0]) as { deduplication?: { occurrenceCount: number } }).deduplication?.occurrenceCount).toBeGreaterThanOrEqual(1);
      const ownerKeys = (await storedKeys(it_.redis)).filter(({ key }) => key.toString('latin1').includes('}n'));
      expect(ownerKeys).toHaveLength(1);
    });

    it('a controller stormgate has no rule for (an Argo Rollout) is one signal whether its name or the API named it', async () => {
      await admin('POST', '/apis/apps/v1/namespaces/shop/replicasets', { apiVersion: 'apps/v1', ...owned('ReplicaSet', 'web-6b7c8d9f4', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web' }) });
      await admin('POST', '/api/v1/namespaces/shop/pods', { apiVersion: 'v1', ...owned('Pod', 'web-6b7c8d9f4-x2x4q', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6b7c8d9f4' }) });
      const first = await deliver([crashLooping('web-6b7c8d9f4-x2x4q', 900)]);
      const second = await deliver([crashLooping('web-6b7c8d9f4-x2x4q', 900)]);
      expect(second.alerts[0]).toMatchObject({ fingerprint: first.alerts[0]?.fingerprint, target: { kind: 'Rollout', name: 'web' }, owner: { source: 'api' } });
      expect(it_.requests()).toHaveLength(1);
      expect((it_.requests()[0]?.spec as { targetResource: unknown }).targetResource).toEqual({ kind: 'Rollout', name: 'web', namespace: 'shop' });
    });

    it('a Deployment that churns through 24 crash-looping pods, a few at a time, stays one episode until its last pod resolves', async () => {
      const pods = Array.from({ length: 24 }, (_, index) => `churn-7d9f8b6c5-x2x${'bcdfghjklmnpqrstvwxz2456789'[index] ?? 'b'}q`);
      // Three pods fire at a time; each notification one is replaced (resolved, and a new one fires).
      for (let first = 0; first + 3 <= pods.length; first += 1) {
        const replaced = first > 0 ? [crashLooping(pods[first - 1] as string, 900, 'resolved')] : [];
        await deliver([...replaced, ...pods.slice(first, first + 3).map((pod) => crashLooping(pod, 900))]);
      }
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])?.signal?.state).toBe('Firing');
      await deliver(pods.slice(-3).map((pod) => crashLooping(pod, 900, 'resolved')));
      expect(it_.requests()).toHaveLength(1);
      expect(statusOf(it_.requests()[0])?.signal?.state).toBe('Resolved');
    });

    it('falls back to the pod’s name when the API has no such pod, says so, and caches that answer too', async () => {
      const receipt = await deliver([crashLooping('cart-6b7c8d9f4-q2w4x', 900)]);
      const request = it_.requests()[0];
      expect((request?.spec as { targetResource: unknown }).targetResource).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', namespace: 'shop' });
      expect(request?.metadata.annotations?.['stormgate.dev/owner-source']).toBe('name-pattern: owner-not-found');
      const again = await deliver([crashLooping('cart-6b7c8d9f4-q2w4x', 900)]);
      expect(again.alerts[0]).toMatchObject({ fingerprint: receipt.alerts[0]?.fingerprint, owner: { source: 'name-pattern', reason: 'owner-not-found' } });
      expect(podReads()).toHaveLength(1);
    });
  });

  describe(`outcome-aware suppression on ${topology} Redis`, () => {
    it('within the cooldown after Completed, a new episode is counted on that request (once, however often re-sent); after it, a new request links it', async () => {
      const [first] = (await deliver([crashLooping('api-7d9f8b6c5-x2x4q', 3_600)])).alerts;
      const previous = it_.requests()[0]?.metadata.name as string;
      await controllerWrites(previous, { phase: 'Completed', completedAt: secondsAgo(cooldownSeconds - 60) });
      await deliver([crashLooping('api-7d9f8b6c5-x2x4q', 3_600, 'resolved')]);
      // The Deployment's pod crashes again a few minutes after the fix (a new occurrence, another pod).
      const again = (await deliver([crashLooping('api-7d9f8b6c5-b8k2p', 300)])).alerts[0];
      await deliver([crashLooping('api-7d9f8b6c5-b8k2p', 300)]);
      expect(again?.fingerprint).toBe(first?.fingerprint);
      expect(it_.requests().map((request) => request.metadata.name)).toEqual([previous]);
      expect(statusOf(it_.requests()[0])?.recurrences).toEqual({ count: 1, lastEpisodeStartedAt: expect.any(String) });
      expect((await decisionOf(again?.fingerprint as string)).lastDecision).toEqual({ outcome: 'recurrence', action: 'count-recurrence', reason: 'recurrence-within-cooldown' });

      // The other side of the boundary: the same fix, Completed longer ago than the cooldown.
      await controllerWrites(previous, { completedAt: secondsAgo(cooldownSeconds + 60) });
      await deliver([crashLooping('api-7d9f8b6c5-b8k2p', 300)]);
      const requests = it_.requests();
      expect(requests).toHaveLength(2);
      const next = requests.find((request) => request.metadata.name !== previous);
      expect((next?.spec as { previousRequest?: string }).previousRequest).toBe(previous);
      expect(statusOf(requests.find((request) => request.metadata.name === previous))?.recurrences?.count).toBe(1);
    });

    it('ManualReviewRequired blocks new requests for the target until a human clears it', async () => {
      await deliver([crashLooping('db-0', 3_600)]);
      const blocking = it_.requests()[0]?.metadata.name as string;
      await controllerWrites(blocking, { phase: 'ManualReviewRequired', completedAt: secondsAgo(1_800) });
      await deliver([crashLooping('db-0', 3_600, 'resolved')]);
      const [blocked] = (await deliver([crashLooping('db-0', 600)])).alerts;
      await deliver([crashLooping('db-0', 600)]);
      expect(it_.requests().map((request) => request.metadata.name)).toEqual([blocking]);
      expect((await decisionOf(blocked?.fingerprint as string)).lastDecision).toEqual({ outcome: 'review-blocked', action: 'withhold', reason: 'blocked-by-manual-review' });
      expect((await decisionOf(blocked?.fingerprint as string)).remediationRequest.state).toBe('withheld');

      // A human looked: the label clears the review, and the next re-send gets its request.
      await admin('PATCH', `/apis/remediation.stormgate.dev/v1alpha1/namespaces/stormgate/remediationrequests/${blocking}`, { metadata: { labels: { 'stormgate.dev/review-cleared': 'true' } } }, 'application/merge-patch+json');
      await deliver([crashLooping('db-0', 600)]);
      const requests = it_.requests();
      expect(requests).toHaveLength(2);
      expect((requests.find((request) => request.metadata.name !== blocking)?.spec as { previousRequest?: string }).previousRequest).toBe(blocking);
    });
  });

  describe(`the flap guard on ${topology} Redis`, () => {
    it('an alert that resolves before MIN_FIRING_SECONDS leaves no request, only a counted flapped decision', async () => {
      const [flapping] = (await deliver([crashLooping('web-7d9f8b6c5-x2x4q', 30)])).alerts;
      expect((await decisionOf(flapping?.fingerprint as string)).lastDecision).toEqual({ outcome: 'deferred', action: 'withhold', reason: 'firing-shorter-than-minimum' });
      await deliver([crashLooping('web-7d9f8b6c5-x2x4q', 30, 'resolved')]);
      expect(it_.requests()).toEqual([]);
      expect((await decisionOf(flapping?.fingerprint as string)).lastDecision).toEqual({ outcome: 'flapped', action: 'ignore', reason: 'flapped' });
      // Its later copies and the sweep make nothing of it either.
      await deliver([crashLooping('web-7d9f8b6c5-x2x4q', 30)]);
      await it_.sweep();
      expect(it_.requests()).toEqual([]);
    });

    it('one that goes on firing gets its request from the sweep once it has fired MIN_FIRING_SECONDS and a resolve would have come, not before', async () => {
      const [lasting] = (await deliver([crashLooping('web-7d9f8b6c5-b8k2p', minFiringSeconds - marginSeconds)])).alerts;
      expect((await it_.sweep()).released).toBe(0);
      await pause(marginSeconds * 1000 + 500);
      // Past the minimum, but Alertmanager may still be about to deliver its resolve: no request yet.
      expect((await it_.sweep()).released).toBe(0);
      expect(it_.requests()).toEqual([]);
      await pause(graceSeconds * 1000);
      expect((await it_.sweep()).released).toBe(1);
      expect(it_.requests()).toHaveLength(1);
      expect((await decisionOf(lasting?.fingerprint as string)).remediationRequest.state).toBe('created');
    });

    it('a resolve that arrives late is judged by the alert’s own times: a short flap stays flapped, a long enough one gets its request, already Resolved', async () => {
      const startedAt = Date.now() - (minFiringSeconds - marginSeconds) * 1000;
      const at = (pod: string, status: 'firing' | 'resolved', firedSeconds = 0) =>
        alert({ status, labels: { namespace: 'shop', pod }, startsAt: new Date(startedAt).toISOString(), ...(status === 'resolved' && { endsAt: new Date(startedAt + firedSeconds * 1000).toISOString() }) });
      const [short] = (await deliver([at('web-7d9f8b6c5-q2w4x', 'firing')])).alerts;
      const [long] = (await deliver([at('api-7d9f8b6c5-q2w4x', 'firing')])).alerts;
      await pause(marginSeconds * 1000 + 500);
      // Both resolves come after MIN_FIRING_SECONDS, as Alertmanager delivers them: one fired 40 s, one 120 s.
      await deliver([at('web-7d9f8b6c5-q2w4x', 'resolved', 40)]);
      await deliver([at('api-7d9f8b6c5-q2w4x', 'resolved', minFiringSeconds)]);
      expect((await decisionOf(short?.fingerprint as string)).lastDecision.reason).toBe('flapped');
      expect((await decisionOf(long?.fingerprint as string)).lastDecision).toMatchObject({ outcome: 'closed', reason: 'resolved-open-episode' });
      expect((await decisionOf(long?.fingerprint as string)).remediationRequest.state).toBe('created');
      const requests = it_.requests();
      expect(requests.map((request) => (request.spec as { targetResource: { name: string } }).targetResource.name)).toEqual(['api']);
      expect(statusOf(requests[0])?.signal?.state).toBe('Resolved');
      await pause(graceSeconds * 1000);
      expect((await it_.sweep()).released).toBe(0);
      expect(it_.requests()).toHaveLength(1);
    });

    it('or from the next notification, whichever looks first', async () => {
      await deliver([crashLooping('web-7d9f8b6c5-m4n6r', minFiringSeconds - marginSeconds)]);
      expect(it_.requests()).toEqual([]);
      await pause(marginSeconds * 1000 + 500);
      await deliver([crashLooping('web-7d9f8b6c5-m4n6r', minFiringSeconds - marginSeconds)]);
      expect(it_.requests()).toHaveLength(1);
      // The sweep's look finds it done.
      expect((await it_.sweep()).released).toBe(0);
    });
  });
}
