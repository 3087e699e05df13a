import { crdLimits, fitField } from './crd-fields.js';
import type { TargetResource } from './signal.js';

interface KindByLabel {
  readonly label: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
}

/**
 * Labels that name a Kubernetes object, most specific first: a pod alert from kube-state-metrics also
 * carries its owner's labels, and the pod is what is broken. `job`, `instance`, `endpoint` and
 * `container` describe the scrape target, never the object (kube-state-metrics names a Job `job_name`).
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
  { label: 'ingress', kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', namespaced: true },
  { label: 'node', kind: 'Node', apiVersion: 'v1', namespaced: false },
  { label: 'persistentvolume', kind: 'PersistentVolume', apiVersion: 'v1', namespaced: false },
  { label: 'service', kind: 'Service', apiVersion: 'v1', namespaced: true },
];

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The value of a label about the alert's subject. When a metric's own label collides with a target
 * label, Prometheus keeps the metric's as `exported_<name>`: that one names the subject.
 */
function subjectLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  return nonEmpty(labels[`exported_${name}`]) ?? nonEmpty(labels[name]);
}

/**
 * Scrape-target labels that look like object labels:
 * - `service` beside job/instance/endpoint is the Service the target was discovered through;
 * - `pod` of a per-node exporter (its name starts with the job's, and the alert names a node) is the
 *   exporter's own pod: the node is the subject.
 */
function isScrapeTargetLabel(labels: Readonly<Record<string, string>>, name: string): boolean {
  if (nonEmpty(labels[`exported_${name}`]) !== undefined) return false;
  const scraped = labels.job !== undefined || labels.instance !== undefined || labels.endpoint !== undefined;
  if (name === 'service') return scraped;
  if (name === 'pod') {
    const job = nonEmpty(labels.job);
    return job !== undefined && nonEmpty(labels.node) !== undefined && (labels.pod ?? '').startsWith(`${job}-`);
  }
  return false;
}

/** The alert's namespace, fitted to the CRD (a label value is data: any character, any length). */
export function namespaceOf(labels: Readonly<Record<string, string>>): string | undefined {
  const namespace = subjectLabel(labels, 'namespace');
  return namespace === undefined ? undefined : fitField(namespace, crdLimits.targetNamespace);
}

/** Kinds that live in no namespace: a storm's namespace is never given to them. */
export const clusterScopedKinds: ReadonlySet<string> = new Set([
  ...kindsByLabel.filter((candidate) => !candidate.namespaced).map((candidate) => candidate.kind),
  'Namespace',
  'Cluster',
]);

/**
 * Which object an alert is about, from its labels alone. Falls back to the namespace, then the cluster.
 * The namespace is always the alert's own: a separator in a name (`kube-system/coredns`) is part of the
 * name, never a path to another namespace.
 */
export function resolveTargetResource(labels: Readonly<Record<string, string>>, clusterId?: string): TargetResource {
  const namespace = namespaceOf(labels);
  for (const candidate of kindsByLabel) {
    const name = subjectLabel(labels, candidate.label);
    if (name === undefined || isScrapeTargetLabel(labels, candidate.label)) continue;
    return {
      apiVersion: candidate.apiVersion,
      kind: candidate.kind,
      name: fitField(name, crdLimits.targetName),
      ...(candidate.namespaced && namespace !== undefined && { namespace }),
    };
  }
  if (namespace !== undefined) return { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  return { kind: 'Cluster', name: clusterId ?? 'cluster' };
}
