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
    ['the namespace itself when no object label is set', { namespace: 'shop', job: 'api', instance: '10.0.0.1:8080' }, { apiVersion: 'v1', kind: 'Namespace', name: 'shop' }],
    ['the cluster when nothing names an object', { job: 'api', instance: '10.0.0.1:8080', service: 'api' }, { kind: 'Cluster', name: 'cluster' }],
    ['a pod when the pod label is empty falls through', { pod: '', deployment: 'web', namespace: 'shop' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }],
  ])('resolves %s', (_case, labels, expected) => {
    expect(resolveTargetResource(labels)).toEqual(expected);
  });

  it('names the cluster by its configured id', () => {
    expect(resolveTargetResource({ job: 'api' }, 'prod-eu-1')).toEqual({ kind: 'Cluster', name: 'prod-eu-1' });
  });
});
