import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type Command, endpointHelp, endpointOf, endpointOptions, exitCodes, UsageError } from '../command.js';

/** The receipt ingest answers with (as far as the CLI prints it). */
const receiptSchema = z.object({
  requestId: z.string(),
  accepted: z.number(),
  alerts: z.array(z.object({ fingerprint: z.string(), alertname: z.string(), status: z.string(), next: z.string() })),
});

const fixtureDirectory = fileURLToPath(new URL('../../test/support/fixtures/', import.meta.url));
export const fixtureNames = ['firing', 'resolved', 'mixed', 'storm', 'truncated', 'unicode', 'minimal', 'node-filesystem'] as const;

function bodyOf(source: string): string {
  if (source === '-') return readFileSync(0, 'utf8');
  if ((fixtureNames as readonly string[]).includes(source)) return readFileSync(`${fixtureDirectory}alertmanager-${source}.json`, 'utf8');
  if (!existsSync(source)) throw new UsageError(`${source} is neither a fixture (${fixtureNames.join(', ')}) nor a file`);
  return readFileSync(source, 'utf8');
}

export const send: Command = {
  name: 'send',
  summary: 'post a fixture or a recorded notification to an endpoint and print the receipt',
  usage: `Usage: stormgate send <fixture|file|-> [options]

Posts an Alertmanager notification as Alertmanager would and prints the receipt: per alert its
fingerprint, what happens next, and the command that explains it.

  <fixture>       one of ${fixtureNames.join(', ')} (test/support/fixtures)
  <file>          a JSON file holding one notification; - reads standard input
${endpointHelp}

Exit codes: 0 accepted (2xx), 1 refused (4xx, 5xx: the problem is printed), 2 usage, 3 unreachable.`,
  options: endpointOptions,
  run: async (values, positionals, io) => {
    const [source, ...extra] = positionals;
    if (source === undefined || extra.length > 0) throw new UsageError('send takes one fixture or file');
    const body = bodyOf(source);
    const { base, token } = endpointOf(values, io.env);
    const response = await fetch(`${base}/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token !== undefined && { Authorization: `Bearer ${token}` }) },
      body,
    });
    const text = await response.text();
    if (values.json) {
      io.out(text);
    } else if (response.ok) {
      const receipt = receiptSchema.parse(JSON.parse(text));
      io.out(`${response.status} accepted ${receipt.accepted} alert(s), request ${receipt.requestId}`);
      for (const alert of receipt.alerts) io.out(`  ${alert.fingerprint}  ${alert.alertname}  ${alert.status}  → ${alert.next}   (stormgate why ${alert.fingerprint})`);
    } else {
      const problem = (() => {
        try {
          return z.object({ title: z.optional(z.string()), detail: z.optional(z.string()) }).parse(JSON.parse(text));
        } catch {
          return { detail: text.slice(0, 500) };
        }
      })();
      io.err(`${response.status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim());
      if (response.status === 401) io.err('give the token with --token or STORMGATE_TOKEN (npm start prints it)');
    }
    return response.ok ? exitCodes.ok : exitCodes.failed;
  },
};
