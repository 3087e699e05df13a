/**
 * A Lambda invoke endpoint that only queues: answers an async invoke 202 and keeps its payload, so that
 * ingest can be measured without dedup running behind it. `DELETE /payloads` returns and forgets them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startLambdaSink(): Promise<{ url: string; stop(): Promise<void> }> {
  let payloads: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'DELETE' && request.url === '/payloads') {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(payloads));
        payloads = [];
        return;
      }
      if (request.method === 'POST' && request.url?.endsWith('/invocations')) {
        payloads.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
        response.writeHead(202).end();
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
