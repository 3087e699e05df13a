import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AsyncInvocationStore } from '../../../local/async-invocation-store.js';
import { LocalLambdaRuntime } from '../../../local/lambda-runtime.js';
import { type LocalServer, startLocalServer } from '../../../local/server.js';

/** The local runtime's HTTP front: whatever a request holds, it is answered and the process lives on. */

let server: LocalServer;
let port: number;
const handled: unknown[] = [];

beforeAll(async () => {
  const runtime = new LocalLambdaRuntime({ store: await AsyncInvocationStore.open(mkdtempSync(join(tmpdir(), 'sg-fuzz-'))), retryDelaysMs: [1, 1] });
  runtime.register('echo', async (event: unknown) => {
    handled.push(event);
    return { statusCode: 200, body: '{}', headers: { 'Content-Type': 'application/json' } };
  });
  server = await startLocalServer({
    host: '127.0.0.1',
    port: 0,
    runtime,
    routes: [
      { method: 'GET', resource: '/v1/signals/{fingerprint}', functionName: 'echo' },
      { method: 'POST', resource: '/v1/alerts/alertmanager', functionName: 'echo' },
    ],
  });
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server.close();
});

/** Sends bytes as they are (no client-side URL normalization) and returns the status line's code, or 'closed'. */
function raw(request: string): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5_000, () => reject(new Error(`no answer to ${JSON.stringify(request.slice(0, 200))}`)));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => resolve('closed'));
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve(status === undefined ? 'closed' : Number(status));
    });
    socket.end(request);
  });
}

const get = (path: string, method = 'GET') => raw(`${method} ${path} HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n`);

describe('local HTTP server', () => {
  it('answers a malformed percent-encoding in a path parameter with 400, and keeps serving', async () => {
    expect(await get('/v1/signals/%zz')).toBe(400);
    expect(await get('/2015-03-31/functions/%E0%A4%A/invocations', 'POST')).toBe(400);
    expect(await get('/healthz')).toBe(200);
  });

  it('routes by method: 405 for a known path, 404 for an unknown one, 200 through the function', async () => {
    expect(await get('/v1/signals/abc', 'DELETE')).toBe(405);
    expect(await get('/nowhere')).toBe(404);
    handled.length = 0;
    expect(await get('/v1/signals/a%2Fb')).toBe(200);
    expect(handled).toEqual([expect.objectContaining({ pathParameters: { fingerprint: 'a/b' } })]);
  });

  it('never answers 5xx and never stops, whatever the path, encoding, method or headers', async () => {
    const pathChar = fc.constantFrom(...'abc/%.?#&=+;:@!$()*,~-_09AZ'.split(''), '%zz', '%E0%A4', '%00', '%2F', '%25', '%C3%28', '..', '//');
    const path = fc.array(pathChar, { maxLength: 40 }).map((parts) => `/${parts.join('')}`);
    const prefixed = fc.oneof(path, path.map((rest) => `/v1/signals${rest}`), path.map((rest) => `/2015-03-31/functions${rest}/invocations`));
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'BREW');
    const header = fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/), fc.string({ maxLength: 60, unit: 'binary-ascii' }));
    const runs = 300;
    await fc.assert(
      fc.asyncProperty(method, prefixed, fc.array(header, { maxLength: 4 }), async (verb, target, headers) => {
        const extra = headers.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`).join('');
        const status = await raw(`${verb} ${target} HTTP/1.1\r\nHost: local\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
        // 'closed': Node's own HTTP parser refused the bytes (a 400 from Node, or a reset); never a route crash.
        if (status !== 'closed') expect(status).toBeLessThan(500);
      }),
      { numRuns: runs, seed: 20_261_130 },
    );
    process.stderr.write(`[server fuzz] ${runs} random requests, none answered 5xx\n`);
    expect(await get('/healthz')).toBe(200);
  });
});
