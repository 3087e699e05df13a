import { App } from 'aws-cdk-lib';
import { StormgateStack } from './stormgate-stack.js';

const app = new App();

/** Context options (cdk.json or `-c key=value`) that become the functions' environment. */
const contextEnvironment: Record<string, string> = {
  'stormgate:rrNamespace': 'RR_NAMESPACE',
  'stormgate:redisUrl': 'REDIS_URL',
  'stormgate:redisClusterNodes': 'REDIS_CLUSTER_NODES',
  'stormgate:kubeApiUrl': 'KUBE_API_URL',
  'stormgate:clusterId': 'CLUSTER_ID',
};
const runtimeEnvironment = Object.fromEntries(
  Object.entries(contextEnvironment).flatMap(([key, variable]) => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? [[variable, value]] : [];
  }),
);

new StormgateStack(app, 'Stormgate', { runtimeEnvironment });
