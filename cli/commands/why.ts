import { z } from 'zod';
import { reasonExplained } from '../../lib/domain/lifecycle.js';
import { type Command, endpointHelp, endpointOf, endpointOptions, exitCodes, UsageError } from '../command.js';

/** What `GET /v1/signals/{fingerprint}` answers (lib/signals/read-signal-decision.ts), as far as the CLI reads it. */
const receiptSchema = z.object({
  fingerprint: z.string(),
  episode: z.optional(z.object({ state: z.string(), startedAt: z.string(), lastSeenAt: z.string(), occurrenceCount: z.number() })),
  storm: z.optional(z.object({ state: z.string(), windowStart: z.string() })),
  lastDecision: z.object({ outcome: z.string(), action: z.string(), reason: z.string() }),
  remediationRequest: z.object({ namespace: z.string(), name: z.string(), state: z.enum(['created', 'pending', 'aggregating', 'none']) }),
});
type SignalDecisionReceipt = z.infer<typeof receiptSchema>;

const requestStates: Record<SignalDecisionReceipt['remediationRequest']['state'], string> = {
  created: 'created',
  pending: 'being created (dedup completes it)',
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

export const why: Command = {
  name: 'why',
  summary: 'the decision trail of a signal: episode, storm, last decision and its reason, request',
  usage: `Usage: stormgate why <fingerprint> [options]

Asks the endpoint (GET /v1/signals/{fingerprint}) what happened to a signal and why. The fingerprint is in
the receipt of the notification (stormgate send prints it).

${endpointHelp}

Exit codes: 0 found, 1 no such signal for this token's tenant, 2 usage, 3 unreachable.`,
  options: endpointOptions,
  run: async (values, positionals, io) => {
    const [fingerprint, ...extra] = positionals;
    if (fingerprint === undefined || extra.length > 0 || !/^[0-9a-f]{32}$/.test(fingerprint)) throw new UsageError('why takes one fingerprint (32 hex characters)');
    const { base, token } = endpointOf(values, io.env);
    const response = await fetch(`${base}/v1/signals/${fingerprint}`, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
    const text = await response.text();
    if (!response.ok) {
      if (values.json) io.out(text);
      else io.err(response.status === 404 ? `no signal ${fingerprint} for this tenant (it may have expired, or belong to another tenant)` : `${response.status}: ${text}`);
      return exitCodes.failed;
    }
    if (values.json) io.out(text);
    else for (const line of explain(receiptSchema.parse(JSON.parse(text)))) io.out(line);
    return exitCodes.ok;
  },
};
