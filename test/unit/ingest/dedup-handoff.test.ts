import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { HandoffError } from '../../../lib/errors.js';
import { LambdaDedupHandoff } from '../../../lib/ingest/dedup-handoff.js';
import type { DedupBatch } from '../../../lib/dedup/dedup-batch.js';
import { signalsOf } from '../../support/builders/webhook.js';

const batch: DedupBatch = { tenant: 'default', requestId: 'req-1', truncatedAlerts: 0, groupLabels: {}, signals: signalsOf({}) };

/** Lambda's invoke API, answering as `answer` decides (or never). */
async function invokeApi(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((request, response) => {
    calls += 1;
    request.resume();
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

/** The real SDK client, as lib/aws/lambda-client.ts makes it (three attempts, 3 s per request). */
const sdkClient = (endpoint: string) =>
  new LambdaClient({ region: 'us-east-1', endpoint, maxAttempts: 3, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });

describe('LambdaDedupHandoff (the real Lambda SDK over HTTP)', () => {
  const open: Server[] = [];
  afterEach(async () => {
    for (const server of open.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('resolves once Lambda queued the event (202)', async () => {
    const api = await invokeApi((_, response) => {
      response.writeHead(202).end();
    });
    open.push(api.server);
    await expect(new LambdaDedupHandoff(async () => sdkClient(api.url), 'stormgate-dedup').send(batch, AbortSignal.timeout(5_000))).resolves.toBeUndefined();
    expect(api.calls()).toBe(1);
  });

  it('gives up when the function must answer, while Lambda does not: a 503 instead of a function timeout', async () => {
    const api = await invokeApi(() => undefined); // accepts the request, never answers
    open.push(api.server);
    const deadline = new AbortController();
    const sending = new LambdaDedupHandoff(async () => sdkClient(api.url), 'stormgate-dedup').send(batch, deadline.signal);
    // Abort once the request is in flight (no clock in the assertion: the server saw it).
    while (api.calls() === 0) await new Promise((resolve) => setImmediate(resolve));
    deadline.abort();
    await expect(sending).rejects.toThrow(new HandoffError('hand-off to dedup did not finish before the function had to answer'));
  });

  it('does not start when the deadline has already passed', async () => {
    const api = await invokeApi((_, response) => {
      response.writeHead(202).end();
    });
    open.push(api.server);
    await expect(new LambdaDedupHandoff(async () => sdkClient(api.url), 'stormgate-dedup').send(batch, AbortSignal.abort())).rejects.toBeInstanceOf(HandoffError);
    expect(api.calls()).toBe(0);
  });

  it('is a retryable error when Lambda refuses (the sender gets 503 and retries)', async () => {
    const api = await invokeApi((_, response) => {
      response.writeHead(429, { 'Content-Type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' }).end(JSON.stringify({ message: 'Rate exceeded' }));
    });
    open.push(api.server);
    const client = new LambdaClient({ region: 'us-east-1', endpoint: api.url, maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const failure = new LambdaDedupHandoff(async () => client, 'stormgate-dedup').send(batch);
    await expect(failure).rejects.toMatchObject({ name: 'HandoffError', retryable: true, message: expect.stringMatching(/async invoke of stormgate-dedup failed: Rate exceeded/) });
  });
});
