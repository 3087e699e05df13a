import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { signalFingerprint } from '../../lib/domain/fingerprint.js';
import { resolveTargetResource } from '../../lib/domain/target-resource.js';
import { type RunningAlertmanager, startAlertmanager } from '../support/alertmanager-harness.js';
import { eventually, type LocalRuntimeProcess, kubeApiFor, startLocalRuntimeProcess } from '../support/local-runtime-process.js';

const rr = { group: 'remediation.stormgate.dev', version: 'v1alpha1', namespace: 'stormgate', plural: 'remediationrequests' };
type RemediationRequest = { spec: { targetResource: { name: string } }; status?: { signal?: { state: string } } };

describe('a real Alertmanager delivering to the local runtime', () => {
  let runtime: LocalRuntimeProcess;
  let alertmanager: RunningAlertmanager;
  let kube: CustomObjectsApi;

  beforeAll(async () => {
    runtime = await startLocalRuntimeProcess();
    alertmanager = await startAlertmanager({ webhookUrl: `${runtime.url}/v1/alerts/alertmanager`, bearerToken: runtime.token });
    kube = kubeApiFor(runtime.kubeApiUrl);
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await runtime?.stop();
  });

  const requests = async () => ((await kube.listNamespacedCustomObject(rr)) as { items: RemediationRequest[] }).items;
  const podAlert = (pod: string) => ({ labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod, severity: 'critical' } });

  it('accounts for every alert of a grouped notification of 50 (a storm) in the receipt and at /v1/signals', async () => {
    const labelsOf = (index: number) => ({ alertname: 'KubeContainerWaiting', namespace: 'batch', pod: `job-runner-${index}`, severity: 'warning' });
    await alertmanager.pushAlerts(Array.from({ length: 50 }, (_, index) => ({ labels: labelsOf(index) })));
    const accepted = await runtime.waitForLog(
      (line) => line.message === 'notification accepted' && String(line.groupKey).includes('KubeContainerWaiting'),
      'the grouped notification',
    );
    expect(accepted).toMatchObject({ alerts: 50, truncatedAlerts: 0, tenant: 'default' });

    const fingerprints = Array.from({ length: 50 }, (_, index) => {
      const labels = labelsOf(index);
      return signalFingerprint('resource', { tenant: 'default', alertname: labels.alertname, namespace: labels.namespace, target: resolveTargetResource(labels), labels });
    });
    const decisions = await eventually(async () => {
      const answers = await Promise.all(
        fingerprints.map(async (fingerprint) => {
          const response = await fetch(`${runtime.url}/v1/signals/${fingerprint}`, { headers: { Authorization: `Bearer ${runtime.token}` } });
          return response.status === 200 ? ((await response.json()) as { lastDecision: { reason: string }; remediationRequest: { name: string } }) : undefined;
        }),
      );
      return answers.every((answer) => answer !== undefined) ? answers : undefined;
    }, 'a decision for every alert');
    // 50 pods of one alertname in one namespace are a storm: every alert joined the one window.
    expect(decisions.map((decision) => decision?.lastDecision.reason)).toEqual(fingerprints.map(() => 'part-of-storm'));
    expect(new Set(decisions.map((decision) => decision?.remediationRequest.name)).size).toBe(1);
  });

  it('turns a grouped notification into one request per alert, then marks a resolved alert Resolved', async () => {
    const pods = ['cart-0', 'cart-1', 'cart-2'];
    await alertmanager.pushAlerts(pods.map(podAlert));
    const created = await eventually(async () => {
      const items = (await requests()).filter((request) => pods.includes(request.spec.targetResource.name));
      // Created, and its first status written (two writes).
      return items.length === pods.length && items.every((request) => request.status?.signal !== undefined) ? items : undefined;
    }, 'one RemediationRequest per alert');
    expect(created.map((request) => request.spec.targetResource.name).sort()).toEqual(pods);
    expect(created.every((request) => request.status?.signal?.state === 'Firing')).toBe(true);

    // Bearer auth from http_config worked, and every alert arrived in one grouped notification.
    const batch = await runtime.waitForLog((line) => line.message === 'batch deduplicated' && line.created === 3, 'the grouped batch');
    expect(batch).toMatchObject({ created: 3, alreadyExisted: 0 });

    await alertmanager.pushAlerts([{ ...podAlert('cart-1'), endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const resolved = await eventually(async () => {
      const match = (await requests()).find((request) => request.spec.targetResource.name === 'cart-1');
      return match?.status?.signal?.state === 'Resolved' ? match : undefined;
    }, 'cart-1 to be marked resolved');
    expect(resolved.status?.signal?.state).toBe('Resolved');
    const labels = podAlert('cart-1').labels;
    const fingerprint = signalFingerprint('resource', { tenant: 'default', alertname: labels.alertname, namespace: labels.namespace, target: resolveTargetResource(labels), labels });
    const receipt = await fetch(`${runtime.url}/v1/signals/${fingerprint}`, { headers: { Authorization: `Bearer ${runtime.token}` } });
    expect(await receipt.json()).toMatchObject({ episode: { state: 'resolved' }, lastDecision: { reason: 'resolved-open-episode' } });
    const states = (await requests())
      .filter((request) => pods.includes(request.spec.targetResource.name))
      .map((request) => [request.spec.targetResource.name, request.status?.signal?.state])
      .sort();
    expect(states).toEqual([['cart-0', 'Firing'], ['cart-1', 'Resolved'], ['cart-2', 'Firing']]);
  });
});
