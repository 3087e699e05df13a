import { z } from 'zod';
import { reasonExplained } from '../../lib/domain/lifecycle.js';
import { NotFoundError } from '../../lib/errors.js';
import { storesOn } from '../../lib/runtime/stores.js';
import { readSignalDecision } from '../../lib/signals/read-signal-decision.js';
import { type Command, type CommandIo, endpointHelp, endpointOf, endpointOptions, exitCodes, redisConfigOf, redisOptions, UsageError, withRedis } from '../command.js';

/** What `GET /v1/signals/{fingerprint}` answers (lib/signals/read-signal-decision.ts), as far as the CLI reads it. */
const receiptSchema = z.object({
  fingerprint: z.string(),
  episode: z.optional(z.object({ state: z.string(), startedAt: z.string(), lastSeenAt: z.string(), occurrenceCount: z.number() })),
  storm: z.optional(z.object({ state: z.string(), windowStart: z.string() })),
  lastDecision: z.object({ outcome: z.string(), action: z.string(), reason: z.string() }),
  remediationRequest: z.object({ namespace: z.string(), name: z.string(), state: z.enum(['created', 'pending', 'withheld', 'aggregating', 'none']) }),
});
type SignalDecisionReceipt = z.infer<typeof receiptSchema>;

const requestStates: Record<SignalDecisionReceipt['remediationRequest']['state'], string> = {
  created: 'created',
  pending: 'being created (dedup completes it)',
  withheld: 'not made yet, on purpose (the decision says why; the next notification or the sweep looks again)',
  aggregating: "the storm's request comes when its window closes",
  none: 'none: no request was made',
};

/** The decision trail of a signal as lines an operator reads. */
export function explain(receipt: SignalDecisionReceipt): string[] {
  const lines = [`signal ${receipt.fingerprint}`];
  if (receipt.episode) {
    const { state, startedAt, lastSeenAt, occurrenceCount } = receipt.episode;
    lines.push(`  episode   ${state}, started ${startedAt}, last seen ${lastSeenAt}, ${occurrenceCount} occurrence(s)`);
  }
  if (receipt.storm) lines.push(`  storm     ${receipt.storm.state}, window opened ${receipt.storm.windowStart}`);
  const { outcome, action, reason } = receipt.lastDecision;
  lines.push(`  decision  ${outcome} → ${action} (${reason})`);
  const explained = (reasonExplained as Record<string, string>)[reason];
  if (explained !== undefined) lines.push(`            ${explained}`);
  const request = receipt.remediationRequest;
  lines.push(`  request   ${request.namespace}/${request.name}: ${requestStates[request.state]}`);
  return lines;
}

/** The arguments: one fingerprint, and the tenant whose keys to read (as lib/config names tenants). */
const argumentsSchema = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/, 'why takes one fingerprint (32 hex characters)'),
  tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, '--tenant takes a tenant name (lowercase letters, digits and -, at most 32)').default('default'),
});

const notFound = (fingerprint: string) => `no signal ${fingerprint} for this tenant (it may have expired, or belong to another tenant)`;

/** The receipt straight from Redis: the endpoint's own code (readSignalDecision) on stores built on this Redis. */
async function fromRedis(values: Record<string, string | boolean | undefined>, tenant: string, fingerprint: string, io: CommandIo): Promise<number> {
  const config = redisConfigOf(values, io.env);
  return withRedis(config.redis, io, async (client) => {
    const { episodes, storms } = storesOn(client, config);
    const deps = { episodes, storms, namespace: config.namespace };
    try {
      const receipt = await readSignalDecision(tenant, fingerprint, deps);
      if (values.json) io.out(JSON.stringify(receipt));
      else for (const line of explain(receipt)) io.out(line);
      return exitCodes.ok;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      io.err(notFound(fingerprint));
      return exitCodes.failed;
    }
  });
}

export const why: Command = {
  name: 'why',
  summary: 'the decision trail of a signal: episode, storm, last decision and its reason, request',
  usage: `Usage: stormgate why <fingerprint> [options]

Asks the endpoint (GET /v1/signals/{fingerprint}) what happened to a signal and why, or, with --redis or
--cluster, reads it straight from stormgate's Redis (the same receipt: the endpoint's code runs here). The
fingerprint is in the receipt of the notification (stormgate send prints it).

${endpointHelp}

Straight from Redis instead of the endpoint:
  --redis URL          a standalone Redis
  --cluster NODES      a Redis Cluster, host:port,host:port
  --tenant T           the tenant whose signal it is (default: default)
  --password PASSWORD  AUTH (default: REDIS_PASSWORD); --tls for TLS
  The receipt names the request's namespace from RR_NAMESPACE (default stormgate); the stores take
  stormgate's other settings from the environment, as the functions do.

Exit codes: 0 found, 1 no such signal for this tenant (the token's, or --tenant), 2 usage, 3 the endpoint
or Redis unreachable.`,
  options: { ...endpointOptions, ...redisOptions, tenant: { type: 'string' } },
  run: async (values, positionals, io) => {
    const [first, ...extra] = positionals;
    if (first === undefined || extra.length > 0) throw new UsageError('why takes one fingerprint (32 hex characters)');
    const parsed = argumentsSchema.safeParse({ fingerprint: first, tenant: values.tenant });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
    const { fingerprint, tenant } = parsed.data;
    if (typeof values.redis === 'string' || typeof values.cluster === 'string') return fromRedis(values, tenant, fingerprint, io);
    if (values.tenant !== undefined) throw new UsageError('--tenant goes with --redis or --cluster (the endpoint takes the tenant from the token)');
    const { base, token } = endpointOf(values, io.env);
    const response = await fetch(`${base}/v1/signals/${fingerprint}`, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
    const text = await response.text();
    if (!response.ok) {
      if (values.json) io.out(text);
      else io.err(response.status === 404 ? notFound(fingerprint) : `${response.status}: ${text}`);
      return exitCodes.failed;
    }
    if (values.json) io.out(text);
    else for (const line of explain(receiptSchema.parse(JSON.parse(text)))) io.out(line);
    return exitCodes.ok;
  },
};
