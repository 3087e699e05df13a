import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiException, AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeStandin, standinAdminToken } from '../../local/kube-standin/server.js';

/**
 * The stand-in serves the workloads a pod belongs to (issue 17: owner resolution reads ownerReferences):
 * Pods under /api/v1, ReplicaSets, Deployments, StatefulSets, DaemonSets under apps/v1, Jobs and CronJobs
 * under batch/v1, through @kubernetes/client-node's typed clients, with RBAC as for any resource.
 */
describe('the Kubernetes API stand-in serves workloads and their ownerReferences', () => {
  let standin: KubeStandin;
  const clients = (token: string) => {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'standin', server: standin.url, skipTLSVerify: true }],
      users: [{ name: 'user', token }],
      contexts: [{ name: 'standin', cluster: 'standin', user: 'user' }],
      currentContext: 'standin',
    });
    return { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api), batch: config.makeApiClient(BatchV1Api) };
  };
  const controllerOf = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, uid: `${kind}-${name}`, controller: true, blockOwnerDeletion: true }];

  beforeAll(async () => {
    standin = await KubeStandin.start({ token: 'standin-token', namespaces: ['shop', 'rbac'] });
  });
  afterAll(async () => {
    await standin?.stop();
  });

  it('stores a Deployment → ReplicaSet → Pod chain and a CronJob → Job → Pod chain as written, ownerReferences included', async () => {
    const admin = clients(standinAdminToken);
    await admin.apps.createNamespacedDeployment({ namespace: 'shop', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'checkout' }, spec: { selector: { matchLabels: { app: 'checkout' } }, template: { metadata: { labels: { app: 'checkout' } }, spec: { containers: [{ name: 'app', image: 'checkout:1' }] } } } } });
    await admin.apps.createNamespacedReplicaSet({
      namespace: 'shop',
      body: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'checkout-7d9f8b6c5', ownerReferences: controllerOf('apps/v1', 'Deployment', 'checkout') }, spec: { selector: { matchLabels: { app: 'checkout' } } } },
    });
    await admin.core.createNamespacedPod({
      namespace: 'shop',
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checkout-7d9f8b6c5-x2x4q', ownerReferences: controllerOf('apps/v1', 'ReplicaSet', 'checkout-7d9f8b6c5') }, spec: { containers: [{ name: 'app', image: 'checkout:1' }] } },
    });
    await admin.batch.createNamespacedCronJob({ namespace: 'shop', body: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'r', image: 'r:1' }], restartPolicy: 'Never' } } } } } } });
    await admin.batch.createNamespacedJob({ namespace: 'shop', body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'report-29432160', ownerReferences: controllerOf('batch/v1', 'CronJob', 'report') }, spec: { template: { spec: { containers: [{ name: 'r', image: 'r:1' }], restartPolicy: 'Never' } } } } });

    const pod = await admin.core.readNamespacedPod({ namespace: 'shop', name: 'checkout-7d9f8b6c5-x2x4q' });
    expect(pod.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5', controller: true })]);
    const replicaSet = await admin.apps.readNamespacedReplicaSet({ namespace: 'shop', name: 'checkout-7d9f8b6c5' });
    expect(replicaSet.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'checkout', controller: true })]);
    expect((await admin.apps.readNamespacedDeployment({ namespace: 'shop', name: 'checkout' })).spec?.template.spec?.containers[0]?.image).toBe('checkout:1');
    const job = await admin.batch.readNamespacedJob({ namespace: 'shop', name: 'report-29432160' });
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'report' })]);
    expect((await admin.core.listNamespacedPod({ namespace: 'shop' })).items.map((item) => item.metadata?.name)).toEqual(['checkout-7d9f8b6c5-x2x4q']);
  });

  it('answers 404 for a pod that is not there; infra/k8s/rbac.yaml lets stormgate’s identity get a pod, never list pods or read a Deployment', async () => {
    const admin = clients(standinAdminToken);
    const missing = await admin.core.readNamespacedPod({ namespace: 'shop', name: 'gone-0' }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ApiException);
    expect((missing as ApiException<unknown>).code).toBe(404);
    // Its own namespace and pod: the test passes alone and in any order.
    await admin.core.createNamespacedPod({ namespace: 'rbac', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe-0' }, spec: { containers: [{ name: 'app', image: 'probe:1' }] } } });
    const stormgate = clients('standin-token');
    expect((await stormgate.core.readNamespacedPod({ namespace: 'rbac', name: 'probe-0' })).metadata?.name).toBe('probe-0');
    const listed = await stormgate.core.listNamespacedPod({ namespace: 'rbac' }).catch((error: unknown) => error);
    expect((listed as ApiException<unknown>).code).toBe(403);
    const deployment = await stormgate.apps.readNamespacedDeployment({ namespace: 'rbac', name: 'probe' }).catch((error: unknown) => error);
    expect((deployment as ApiException<unknown>).code).toBe(403);
  });

  it('lists the core resources at /api/v1 and keeps the core group out of /apis', async () => {
    const core = (await (await fetch(`${standin.url}/api/v1`, { headers: { Authorization: `Bearer ${standinAdminToken}` } })).json()) as { groupVersion: string; resources: { name: string }[] };
    expect(core.groupVersion).toBe('v1');
    expect(core.resources.map((resource) => resource.name)).toEqual(expect.arrayContaining(['pods', 'pods/status', 'events']));
    const groups = (await (await fetch(`${standin.url}/apis`, { headers: { Authorization: `Bearer ${standinAdminToken}` } })).json()) as { groups: { name: string }[] };
    expect(groups.groups.map((group) => group.name)).toEqual(expect.arrayContaining(['apps', 'batch', 'remediation.stormgate.dev']));
    expect(groups.groups.map((group) => group.name)).not.toContain('');
  });
});
