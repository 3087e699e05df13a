/**
 * What the stack puts in the kubeconfig secret it creates, until an operator replaces it. The functions
 * recognise it and say what to do, instead of failing to parse it.
 */
export const kubeconfigPlaceholder = '# stormgate: replace this text with the kubeconfig of the cluster to write RemediationRequests to\n';
