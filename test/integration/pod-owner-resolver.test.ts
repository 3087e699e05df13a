import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKubeClient, type KubeClient } from '../../lib/kube/client.js';
import { PodOwnerResolver } from '../../lib/kube/pod-owner-resolver.js';
import { KubeStandin, type KubeObject, standinAdminToken } from '../../local/kube-standin/server.js';

/** Owner resolution through the real client against the stand-in's workloads (issue 17). */
describe('PodOwnerResolver', () => {
  let standin: KubeStandin;
  let admin: KubeClient;
  let resolver: PodOwnerResolver;

  const controlled = (apiVersion: string, kind: string, name: string, owner?: { kind: string; name: string; apiVersion: string }, controller = true): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name, ...(owner && { ownerReferences: [{ ...owner, uid: `${owner.kind}-${owner.name}`, controller }] }) },
  });
  const put = async (object: KubeObject) => {
    const response = await fetch(`${standin.url}/${object.apiVersion === 'v1' ? 'api/v1' : `apis/${object.apiVersion}`}/namespaces/shop/${object.kind.toLowerCase()}s`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${standinAdminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(object),
    });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    standin = await KubeStandin.start({ token: 'standin-token', namespaces: ['shop'] });
    admin = await createKubeClient({ mode: 'token', server: standin.url, token: standinAdminToken }, { region: 'us-east-1' });
    resolver = new PodOwnerResolver(async () => admin, 1_000);
    await put(controlled('apps/v1', 'Deployment', 'checkout'));
    await put(controlled('apps/v1', 'ReplicaSet', 'checkout-7d9f8b6c5', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' }));
    await put(controlled('v1', 'Pod', 'checkout-7d9f8b6c5-x2x4q', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5' }));
    await put(controlled('apps/v1', 'ReplicaSet', 'orphan-5c6d7f8b9'));
    await put(controlled('v1', 'Pod', 'orphan-5c6d7f8b9-k2m4n', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'orphan-5c6d7f8b9' }));
    await put(controlled('batch/v1', 'Job', 'report-29432160', { apiVersion: 'batch/v1', kind: 'CronJob', name: 'report' }));
    await put(controlled('v1', 'Pod', 'report-29432160-kz5mn', { apiVersion: 'batch/v1', kind: 'Job', name: 'report-29432160' }));
    await put(controlled('batch/v1', 'Job', 'migrate'));
    await put(controlled('v1', 'Pod', 'migrate-5tq9h', { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate' }));
    await put(controlled('v1', 'Pod', 'postgres-0', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres' }));
    await put(controlled('v1', 'Pod', 'web-7d9f8b6c5-qq2ww', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web' }));
    // An owner that is not the controller (e.g. a garbage-collection parent) does not count.
    await put(controlled('v1', 'Pod', 'debug-7d9f8b6c5-zz9xx', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-7d9f8b6c5' }, false));
  });
  afterAll(async () => {
    await standin?.stop();
  });

  it.each([
    ['checkout-7d9f8b6c5-x2x4q', 'Deployment', 'checkout'],
    ['orphan-5c6d7f8b9-k2m4n', 'ReplicaSet', 'orphan-5c6d7f8b9'],
    ['report-29432160-kz5mn', 'CronJob', 'report'],
    ['migrate-5tq9h', 'Job', 'migrate'],
    ['postgres-0', 'StatefulSet', 'postgres'],
    ['web-7d9f8b6c5-qq2ww', 'Rollout', 'web'],
    ['debug-7d9f8b6c5-zz9xx', 'Pod', 'debug-7d9f8b6c5-zz9xx'],
  ])('%s belongs to %s %s (read from the API)', async (pod, kind, name) => {
    expect(await resolver.resolve('shop', pod)).toEqual({ source: 'api', owner: { kind, name } });
  });

  it('reads owners as stormgate’s own identity, which infra/k8s/rbac.yaml lets get pods, replicasets and jobs', async () => {
    const stormgate = await createKubeClient({ mode: 'token', server: standin.url, token: 'standin-token' }, { region: 'us-east-1' });
    const asStormgate = new PodOwnerResolver(async () => stormgate, 1_000);
    expect(await asStormgate.resolve('shop', 'checkout-7d9f8b6c5-x2x4q')).toEqual({ source: 'api', owner: { kind: 'Deployment', name: 'checkout' } });
    expect(await asStormgate.resolve('shop', 'report-29432160-kz5mn')).toEqual({ source: 'api', owner: { kind: 'CronJob', name: 'report' } });
  });

  it('falls back to the pod’s name, saying why: not found, denied, the API down', async () => {
    expect(await resolver.resolve('shop', 'gone-7d9f8b6c5-x2x4q')).toEqual({ source: 'name-pattern', owner: { name: 'gone', kinds: ['Deployment'] }, reason: 'owner-not-found' });
    // A cluster where the owner reader of infra/k8s/rbac.yaml was left out (no get at all).
    const narrow = await KubeStandin.start({ token: 'standin-token', namespaces: ['shop'], deniedVerbs: ['get'] });
    try {
      const denied = await createKubeClient({ mode: 'token', server: narrow.url, token: 'standin-token' }, { region: 'us-east-1' });
      expect(await new PodOwnerResolver(async () => denied, 1_000).resolve('shop', 'checkout-7d9f8b6c5-x2x4q')).toEqual({
        source: 'name-pattern',
        owner: { name: 'checkout', kinds: ['Deployment'] },
        reason: 'owner-lookup-denied',
      });
    } finally {
      await narrow.stop();
    }
    standin.startOutage(2_000);
    try {
      expect(await resolver.resolve('shop', 'postgres-0')).toEqual({ source: 'name-pattern', owner: { name: 'postgres', kinds: ['StatefulSet'] }, reason: 'owner-lookup-failed' });
    } finally {
      standin.clearFaults();
    }
  });
});
