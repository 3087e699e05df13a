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

/** A request API Gateway would refuse before any function runs (e.g. a malformed percent-encoding). */
class BadRequest extends Error {}

function requestUrl(target: string): URL {
  try {
    return new URL(target, 'http://local');
  } catch {
    throw new BadRequest(`the request target is not a valid URL: ${JSON.stringify(target.slice(0, 200))}`);
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new BadRequest(`the path holds a malformed percent-encoding: ${JSON.stringify(part.slice(0, 200))}`);
  }
}

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
  const functionName = decodePathPart(name).split(':function:').pop()?.split(':')[0] ?? '';
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
    // 202 only once the event is stored: from then on it outlives this process.
    const requestId = await runtime.invokeAsync(functionName, payload).catch((error: unknown) => {
      sendJson(response, 500, { Type: 'Service', message: `the event could not be queued: ${(error as Error).message}` }, { 'x-amzn-ErrorType': 'ServiceException' });
      return undefined;
    });
    if (requestId !== undefined) response.writeHead(202, { 'x-amzn-RequestId': requestId }).end();
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
  return Object.fromEntries(names.map((name, index) => [name, decodePathPart(match[index + 1] ?? '')]));
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
    // Whatever a request holds, it gets an answer and the process lives on.
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else if (error instanceof BadRequest) sendProblem(response, 400, 'Bad Request', error.message);
      else if (error instanceof PayloadTooLarge) sendProblem(response, 413, 'Payload Too Large', error.message);
      else sendProblem(response, 502, 'Bad Gateway', 'the function failed to answer');
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request.url ?? '/');
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
    const invoke = method === 'POST' ? invokePath.exec(url.pathname) : null;
    if (invoke?.[1]) return handleInvoke(options.runtime, invoke[1], request, response);
    const matching = options.routes.filter((candidate) => matchResource(candidate.resource, url.pathname) !== undefined);
    const proxied = matching.find((candidate) => candidate.method === method);
    if (proxied) return handleProxy(options.runtime, proxied, url, request, response);
    if (matching.length > 0) return sendProblem(response, 405, 'Method Not Allowed', `${method} is not allowed on ${url.pathname}`);
    return sendProblem(response, 404, 'Not Found', `no route for ${method} ${url.pathname}`);
  }
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
