import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { toProxyEvent, writeProxyResult } from './api-gateway.js';
import type { LocalLambdaRuntime } from './lambda-runtime.js';

/** A route API Gateway would proxy to a Lambda function. */
export interface ProxyRoute {
  readonly method: string;
  readonly resource: string;
  readonly functionName: string;
}

export interface LocalServerOptions {
  readonly host: string;
  readonly port: number;
  readonly runtime: LocalLambdaRuntime;
  readonly routes: readonly ProxyRoute[];
}

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

// API Gateway REST APIs refuse payloads over 10 MB before any Lambda runs.
const apiGatewayPayloadLimit = 10 * 1024 * 1024;
// Lambda's async invoke payload limit.
const asyncPayloadLimit = 256 * 1024;
const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

class PayloadTooLarge extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function sendProblem(response: ServerResponse, status: number, title: string, detail: string): void {
  response.writeHead(status, { 'Content-Type': 'application/problem+json' });
  response.end(JSON.stringify({ type: 'about:blank', status, title, detail }));
}

/** Lambda's invoke API (`POST /2015-03-31/functions/{name}/invocations`), as the AWS SDK calls it. */
async function handleInvoke(runtime: LocalLambdaRuntime, name: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const functionName = decodeURIComponent(name).split(':function:').pop()?.split(':')[0] ?? '';
  if (!runtime.has(functionName)) {
    sendJson(response, 404, { Type: 'User', message: `Function not found: ${functionName}` }, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    return;
  }
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const limit = invocationType === 'Event' ? asyncPayloadLimit : 6 * 1024 * 1024;
  const body = await readBody(request, limit).catch((error: unknown) => {
    if (error instanceof PayloadTooLarge) return undefined;
    throw error;
  });
  if (body === undefined) {
    sendJson(response, 413, { Type: 'User', message: `Request must be smaller than ${limit} bytes for the ${invocationType} invocation type` }, { 'x-amzn-ErrorType': 'RequestTooLargeException' });
    return;
  }
  let payload: unknown;
  try {
    payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    sendJson(response, 400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-ErrorType': 'InvalidRequestContentException' });
    return;
  }
  if (invocationType === 'DryRun') {
    response.writeHead(204).end();
    return;
  }
  if (invocationType === 'Event') {
    runtime.invokeAsync(functionName, payload);
    response.writeHead(202, { 'x-amzn-RequestId': crypto.randomUUID() }).end();
    return;
  }
  try {
    const result = await runtime.invoke(functionName, payload);
    sendJson(response, 200, result ?? null, { 'X-Amz-Executed-Version': '$LATEST' });
  } catch (error) {
    const failure = error as Error;
    sendJson(response, 200, { errorType: failure.name, errorMessage: failure.message }, { 'X-Amz-Function-Error': 'Unhandled' });
  }
}

/** Path parameters of `/a/{name}/b` matched against a path, or undefined when the path does not match. */
export function matchResource(resource: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = resource.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
}

async function handleProxy(runtime: LocalLambdaRuntime, route: ProxyRoute, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request, apiGatewayPayloadLimit);
  const event = toProxyEvent(request, url, body, route.resource, matchResource(route.resource, url.pathname) ?? {});
  const result = (await runtime.invoke(route.functionName, event)) as APIGatewayProxyResult;
  writeProxyResult(response, result);
}

/** The local stand-in for API Gateway and the Lambda invoke API, on one port. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://local');
    const method = request.method ?? 'GET';
    const invoke = method === 'POST' ? invokePath.exec(url.pathname) : null;
    const matching = options.routes.filter((route) => matchResource(route.resource, url.pathname) !== undefined);
    const route = matching.find((candidate) => candidate.method === method);
    const work =
      method === 'GET' && url.pathname === '/healthz'
        ? Promise.resolve(sendJson(response, 200, { status: 'ok' }))
        : invoke?.[1]
          ? handleInvoke(options.runtime, invoke[1], request, response)
          : route
            ? handleProxy(options.runtime, route, url, request, response)
            : Promise.resolve(
                matching.length > 0
                  ? sendProblem(response, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`)
                  : sendProblem(response, 404, 'Not Found', `no route for ${method} ${url.pathname}`),
              );
    work.catch((error: unknown) => {
      if (error instanceof PayloadTooLarge) sendProblem(response, 413, 'Payload Too Large', error.message);
      else if (!response.headersSent) sendProblem(response, 502, 'Bad Gateway', 'the function failed to answer');
      else response.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${address.port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      setTimeout(() => sockets.forEach((socket) => socket.destroy()), 2_000).unref();
      await closed;
    },
  };
}
