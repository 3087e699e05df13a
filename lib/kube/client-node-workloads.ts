/**
 * The typed clients of the workloads a pod belongs to, in a chunk of their own: loaded only when an owner is
 * looked up (owner-based fingerprints), so that the functions that never do so never load them.
 */
export { AppsV1Api, BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
