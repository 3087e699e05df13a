import { describe, expect, it } from '@jest/globals';
import { resolveTargetResource } from '../../../lib/domain/target-resource.js';

describe('resolveTargetResource', () => {
  it.each([
    ['a pod, even when owner labels are present', { pod: 'web-1', deployment: 'web', namespace: 'shop' }, { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' }],
    ['a deployment', { deployment: 'web', namespace: 'shop' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }],
    ['a statefulset', { statefulset: 'db', namespace: 'shop' }, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', namespace: 'shop' }],
    ['a daemonset', { daemonset: 'agent', namespace: 'kube-system' }, { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', namespace: 'kube-system' }],
    ['a Job from kube-state-metrics job_name', { job_name: 'backup-123', job: 'kube-state-metrics', namespace: 'ops' }, { apiVersion: 'batch/v1', kind: 'Job', name: 'backup-123', namespace: 'ops' }],
    ['a cronjob', { cronjob: 'backup', namespace: 'ops' }, { apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', namespace: 'ops' }],
    ['a PVC', { persistentvolumeclaim: 'data-db-0', namespace: 'shop' }, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'data-db-0', namespace: 'shop' }],
    ['a node, which has no namespace', { node: 'ip-10-0-0-1', namespace: 'monitoring' }, { apiVersion: 'v1', kind: 'Node', name: 'ip-10-0-0-1' }],
    ['the namespace from exported_namespace', { pod: 'web-1', exported_namespace: 'shop' }, { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' }],
    ['the subject from exported_* over the scrape target', { pod: 'agent-1', exported_pod: 'web-1', namespace: 'monitoring', exported_namespace: 'shop', job: 'agent' }, { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' }],
    ['the node, not the node-exporter pod that reported it', { pod: 'node-exporter-4x8kq', job: 'node-exporter', container: 'node-exporter', service: 'node-exporter', instance: 'ip-10-0-3-17', node: 'ip-10-0-3-17', namespace: 'monitoring' }, { apiVersion: 'v1', kind: 'Node', name: 'ip-10-0-3-17' }],
    ['an application pod that is its own scrape target', { pod: 'checkout-7d9f', job: 'checkout', service: 'checkout', instance: '10.0.0.9:8080', namespace: 'shop' }, { apiVersion: 'v1', kind: 'Pod', name: 'checkout-7d9f', namespace: 'shop' }],
    ['a Service when no scrape labels come with it', { service: 'checkout', namespace: 'shop' }, { apiVersion: 'v1', kind: 'Service', name: 'checkout', namespace: 'shop' }],
    ['a Service from exported_service beside scrape labels', { exported_service: 'checkout', service: 'kube-state-metrics', job: 'kube-state-metrics', namespace: 'shop' }, { apiVersion: 'v1', kind: 'Service', name: 'checkout', namespace: 'shop' }],
    ['an ingress', { ingress: 'shop-web', namespace: 'shop' }, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop-web', namespace: 'shop' }],
    ['a PersistentVolume, cluster-scoped', { persistentvolume: 'pv-123', namespace: 'shop' }, { apiVersion: 'v1', kind: 'PersistentVolume', name: 'pv-123' }],
    ['the namespace itself when no object label is set', { namespace: 'shop', job: 'api', instance: '10.0.0.1:8080' }, { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }],
    ['the cluster when nothing names an object', { job: 'api', instance: '10.0.0.1:8080', service: 'api' }, { kind: 'Cluster', name: 'cluster' }],
    ['a pod when the pod label is empty falls through', { pod: '', deployment: 'web', namespace: 'shop' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }],
  ])('resolves %s', (_case, labels, expected) => {
    expect(resolveTargetResource(labels)).toEqual(expected);
  });

  it('names the cluster by its configured id', () => {
    expect(resolveTargetResource({ job: 'api' }, 'prod-eu-1')).toEqual({ kind: 'Cluster', name: 'prod-eu-1' });
  });

  it('skips an empty label and names the next kind', () => {
    expect(resolveTargetResource({ pod: '', deployment: 'web', namespace: 'shop' })).toStrictEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' });
  });

  it('takes `service` for the scrape target it was discovered through when any of job, instance or endpoint is there', () => {
    for (const scrape of [{ job: 'api' }, { instance: '10.0.0.1:8080' }, { endpoint: 'http' }] as Record<string, string>[]) {
      expect(resolveTargetResource({ service: 'api', namespace: 'shop', ...scrape }).kind).toBe('Namespace');
    }
    expect(resolveTargetResource({ service: 'api', namespace: 'shop' })).toStrictEqual({ apiVersion: 'v1', kind: 'Service', name: 'api', namespace: 'shop' });
  });

  it("takes a per-node exporter's pod for the exporter only when the pod's name starts with its job's and a node is named", () => {
    expect(resolveTargetResource({ job: 'node-exporter', pod: 'node-exporter-x2x4q', node: 'n1', namespace: 'monitoring' })).toStrictEqual({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
    expect(resolveTargetResource({ job: 'node-exporter', pod: 'web-1', node: 'n1', namespace: 'shop' })).toStrictEqual({ apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop' });
    // Without a job there is no exporter to recognise, even for a pod whose name starts like "undefined-".
    expect(resolveTargetResource({ pod: 'undefined-abc', node: 'n1', namespace: 'shop' })).toStrictEqual({ apiVersion: 'v1', kind: 'Pod', name: 'undefined-abc', namespace: 'shop' });
  });

  it('gives a cluster-scoped kind no namespace, even when the alert has one', () => {
    expect(resolveTargetResource({ node: 'n1', namespace: 'monitoring' })).toStrictEqual({ apiVersion: 'v1', kind: 'Node', name: 'n1' });
  });
});

