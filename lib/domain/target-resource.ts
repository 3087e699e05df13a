import type { TargetResource } from './signal.js';

interface KindByLabel {
  readonly label: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
}

/**
 * Labels that name a Kubernetes object, most specific first: a pod alert from kube-state-metrics also
 * carries its owner's labels, and the pod is what is broken. `job`, `instance`, `endpoint`, `container` and
 * `service` describe the scrape target, not the object, so they never decide the kind
 * (kube-state-metrics names a Job `job_name`).
 */
const kindsByLabel: readonly KindByLabel[] = [
  { label: 'pod', kind: 'Pod', apiVersion: 'v1', namespaced: true },
  { label: 'deployment', kind: 'Deployment', apiVersion: 'apps/v1', namespaced: true },
  { label: 'statefulset', kind: 'StatefulSet', apiVersion: 'apps/v1', namespaced: true },
  { label: 'daemonset', kind: 'DaemonSet', apiVersion: 'apps/v1', namespaced: true },
  { label: 'replicaset', kind: 'ReplicaSet', apiVersion: 'apps/v1', namespaced: true },
  { label: 'job_name', kind: 'Job', apiVersion: 'batch/v1', namespaced: true },
  { label: 'cronjob', kind: 'CronJob', apiVersion: 'batch/v1', namespaced: true },
  { label: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespaced: true },
  { label: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', namespaced: true },
  { label: 'node', kind: 'Node', apiVersion: 'v1', namespaced: false },
];

export function namespaceOf(labels: Readonly<Record<string, string>>): string | undefined {
  return nonEmpty(labels.namespace) ?? nonEmpty(labels.exported_namespace);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Which object an alert is about, from its labels alone. Falls back to the namespace, then the cluster. */
export function resolveTargetResource(labels: Readonly<Record<string, string>>, clusterId?: string): TargetResource {
  const namespace = namespaceOf(labels);
  for (const candidate of kindsByLabel) {
    const name = nonEmpty(labels[candidate.label]);
    if (name === undefined) continue;
    return {
      apiVersion: candidate.apiVersion,
      kind: candidate.kind,
      name,
      ...(candidate.namespaced && namespace !== undefined && { namespace }),
    };
  }
  if (namespace !== undefined) return { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  return { kind: 'Cluster', name: clusterId ?? 'cluster' };
}
