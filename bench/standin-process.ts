/**
 * The Kubernetes API stand-in in a process of its own, so that its CPU is not counted as stormgate's.
 * Started by bench/run.ts with an IPC channel: it sends {url, token} when listening, and answers
 * {requests} with {objects, writes, resolved} (RemediationRequests, write calls so far, requests whose
 * status shows Resolved).
 */
import { randomBytes } from 'node:crypto';
import { KubeStandin } from '../local/kube-standin/server.js';

const token = `bench-kube-${randomBytes(8).toString('hex')}`;
const standin = await KubeStandin.start({ token, anonymous: 'admin', namespaces: ['stormgate'] });
const send = (message: unknown) => process.send?.(message);

process.on('message', (message: { id: number }) => {
  const objects = standin.list('remediationrequests');
  const resolved = objects.filter((object) => (object.status as { signal?: { state?: string } } | undefined)?.signal?.state === 'Resolved').length;
  send({ id: message.id, objects: objects.length, writes: standin.writes().length, resolved });
});
process.on('disconnect', () => {
  void standin.stop().then(() => process.exit(0));
});
send({ url: standin.url, token });
