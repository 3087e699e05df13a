import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { type Command, exitCodes, UsageError } from '../command.js';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const stampedLineSchema = z.object({ offsetMs: z.number().finite().nonnegative(), receivedAt: z.iso.datetime({ offset: true }) });

/** When an existing recording began, from its first line (undefined: no file, empty, or a line without receivedAt). */
function recordingStartOf(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  try {
    const line = stampedLineSchema.safeParse(JSON.parse(first));
    return line.success ? Date.parse(line.data.receivedAt) - line.data.offsetMs : undefined;
  } catch {
    return undefined;
  }
}

export const record: Command = {
  name: 'record',
  summary: 'a tiny receiver that writes what Alertmanager sends into a recording (JSON lines) for replay',
  usage: `Usage: stormgate record <file.jsonl> [options]

Listens for Alertmanager webhook notifications and appends each one to <file.jsonl> as a line
{"offsetMs": <ms since the recording began>, "receivedAt": <ISO time>, "body": <the notification>}, answering 200, so that a team can
capture its own flood and replay it (stormgate replay). Point a receiver's webhook_configs url at the URL
it prints. Ctrl+C stops it.

  --host HOST     where to listen (default 127.0.0.1)
  --port PORT     where to listen (default 9099; 0 picks a free one)
  --token TOKEN   answer 401 unless Alertmanager sends this bearer token
  --count N       stop after N notifications
  --append        add to the file instead of starting it anew (offsets continue its timeline)

Exit codes: 0 stopped, 2 usage.`,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9099' },
    token: { type: 'string' },
    count: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
  run: async (values, positionals, io) => {
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('record takes one file to write');
    const port = Number(values.port);
    const count = values.count === undefined ? undefined : Number(values.count);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number; got ${String(values.port)}`);
    if (count !== undefined && !(Number.isInteger(count) && count > 0)) throw new UsageError(`--count must be a positive integer; got ${String(values.count)}`);
    if (!values.append) writeFileSync(file, '');
    // Appending continues the file's timeline, so that its offsets stay one recording's.
    const started = (values.append ? recordingStartOf(file) : undefined) ?? Date.now();
    let recorded = 0;
    return new Promise<number>((resolve) => {
      const server = createServer((request, response) => {
        void (async () => {
          if (request.method !== 'POST') return response.writeHead(405).end();
          if (typeof values.token === 'string' && request.headers.authorization !== `Bearer ${values.token}`) return response.writeHead(401).end();
          const text = await readBody(request);
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            return response.writeHead(400, { 'Content-Type': 'text/plain' }).end('not JSON');
          }
          const arrived = Date.now();
          appendFileSync(file, `${JSON.stringify({ offsetMs: arrived - started, receivedAt: new Date(arrived).toISOString(), body })}\n`);
          recorded += 1;
          response.writeHead(200).end();
          io.out(`recorded notification ${recorded} (${Array.isArray((body as { alerts?: unknown }).alerts) ? (body as { alerts: unknown[] }).alerts.length : 0} alerts)`);
          if (count !== undefined && recorded >= count) stop();
        })();
      });
      const stop = () => {
        server.close(() => resolve(exitCodes.ok));
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      server.listen(port, String(values.host), () => {
        const { port: bound } = server.address() as AddressInfo;
        io.out(`recording to ${file}: point Alertmanager at http://${String(values.host)}:${bound}/v1/alerts/alertmanager (Ctrl+C stops)`);
      });
    });
  },
};
