/**
 * The parts of @kubernetes/client-node stormgate uses. lib/kube/client.ts imports this module
 * dynamically; naming the parts here (rather than importing the package's namespace) lets the bundler
 * leave the rest of the client out (~0.5 MB instead of ~3.5 MB in the deferred chunk).
 */
export { ApiException, AuthorizationV1Api, CustomObjectsApi, KubeConfig, Observable } from '@kubernetes/client-node';
