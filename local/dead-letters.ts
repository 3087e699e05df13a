/**
 * `npm run dead-letters -- <list|redrive> …`: the local runtime's dead letters (async invocations that failed
 * three times), listed or sent back to their function. Exit codes: 0 done; 1 a redrive failed or named an
 * unknown dead letter; 2 wrong usage, or no local runtime to redrive to.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AsyncInvocationStore, functionNameOf } from './async-invocation-store.js';

import { lambdaEventSender, redriveDeadLetters } from './redrive.js';
import { runningRuntime } from './runtime-file.js';

const usage = `Usage:
  npm run dead-letters -- list [--json]
  npm run dead-letters -- redrive (--all | <request-id> …) [--endpoint URL] [--json]

Options:
  --state-dir DIR   the runtime's state directory (default: LOCAL_STATE_DIR, else .local/)
  --endpoint URL    the Lambda endpoint to redrive to (default: the running local runtime's URL)
  --all             redrive every dead letter
  --json            print JSON instead of lines
  -h, --help        this text

Deployed, the dead letters are in the SQS queues of the dedup and storm-aggregator functions; see
"Dead letters" in the README for the same redrive with the AWS CLI.`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (code: number, message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        'state-dir': { type: 'string' },
        endpoint: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail(2, `${(error as Error).message}\n\n${usage}`);
  }
})();
const [command, ...requestIds] = positionals;
if (values.help) {
  out(usage);
  process.exit(0);
}
const stateDirectory = values['state-dir'] ?? (process.env.LOCAL_STATE_DIR || fileURLToPath(new URL('../.local/', import.meta.url)));
// A mistyped directory must not read as "no dead letters".
if (!existsSync(join(stateDirectory, 'lambda'))) fail(2, `${stateDirectory} holds no local runtime state (started with npm start, LOCAL_STATE_DIR or --state-dir?)`);
const store = await AsyncInvocationStore.open(join(stateDirectory, 'lambda'));

if (command === 'list') {
  if (requestIds.length > 0 || values.all || values.endpoint) fail(2, `list takes no request ids, --all or --endpoint\n\n${usage}`);
  const { deadLetters, unreadable } = await store.deadLetters();
  if (values.json) {
    out(JSON.stringify({ deadLetters, unreadable }));
  } else {
    for (const deadLetter of deadLetters) {
      const { requestId, approximateInvokeCount } = deadLetter.requestContext;
      const { errorType, errorMessage } = deadLetter.responsePayload;
      out(`${requestId}  ${deadLetter.timestamp}  ${functionNameOf(deadLetter)}  attempts ${approximateInvokeCount}  ${errorType}: ${errorMessage}`);
    }
    for (const path of unreadable) out(`unreadable, set aside: ${path}`);
    out(deadLetters.length === 0 ? 'no dead letters' : `${deadLetters.length} dead letter(s); send them back with: npm run dead-letters -- redrive --all`);
  }
  process.exit(0);
}

if (command === 'redrive') {
  if (values.all === requestIds.length > 0) fail(2, `redrive takes either --all or request ids\n\n${usage}`);
  const endpoint = values.endpoint ?? runningRuntime(stateDirectory)?.url;
  if (endpoint === undefined) fail(2, `no local runtime is running on ${stateDirectory}: start it with npm start (dead letters stay until redriven), or give --endpoint`);
  const outcome = await redriveDeadLetters(store, values.all ? 'all' : requestIds, lambdaEventSender(endpoint as string));
  if (values.json) {
    out(JSON.stringify(outcome));
  } else {
    for (const path of outcome.unreadable) out(`unreadable, set aside and not redriven: ${path}`);
    for (const { requestId, functionName, newRequestId } of outcome.redriven) out(`redriven ${requestId} to ${functionName} (new request id ${newRequestId ?? 'unknown'})`);
    for (const { requestId, functionName, error } of outcome.failed) out(`failed ${requestId} to ${functionName}: ${error} (kept; run again)`);
    for (const requestId of outcome.unknown) out(`no dead letter ${requestId}`);
    out(`${outcome.redriven.length} redriven, ${outcome.failed.length} failed`);
  }
  process.exit(outcome.failed.length > 0 || outcome.unknown.length > 0 || outcome.unreadable.length > 0 ? 1 : 0);
}

fail(2, command === undefined ? usage : `unknown command ${command}\n\n${usage}`);
