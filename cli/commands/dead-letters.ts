import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncInvocationStore, functionNameOf } from '../../local/async-invocation-store.js';
import { lambdaEventSender, redriveDeadLetters } from '../../local/redrive.js';
import { runningRuntime } from '../../local/runtime-file.js';
import { type Command, exitCodes, UsageError } from '../command.js';

export const deadLetters: Command = {
  name: 'dead-letters',
  summary: "the local runtime's dead letters (async invocations that failed three times): list, redrive",
  usage: `Usage:
  stormgate dead-letters list [--json]
  stormgate dead-letters redrive (--all | <request-id> …) [--endpoint URL] [--json]

  --state-dir DIR   the runtime's state directory (default: LOCAL_STATE_DIR, else .local/)
  --endpoint URL    the Lambda endpoint to redrive to (default: the running local runtime's URL)
  --all             redrive every dead letter
  --json            print JSON instead of lines

Deployed, the dead letters are in the SQS queue of the DedupDeadLetterQueueUrl output; README "Dead
letters" gives the same redrive with the AWS CLI.

Exit codes: 0 done; 1 a redrive failed, named an unknown dead letter or met an unreadable one; 2 usage,
no state there, or no local runtime to redrive to.`,
  options: {
    'state-dir': { type: 'string' },
    endpoint: { type: 'string' },
    all: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  run: async (values, positionals, io) => {
    const [action, ...requestIds] = positionals;
    const stateDirectory = typeof values['state-dir'] === 'string' ? values['state-dir'] : io.env.LOCAL_STATE_DIR || fileURLToPath(new URL('../../.local/', import.meta.url));
    if (action !== 'list' && action !== 'redrive') throw new UsageError(action === undefined ? 'dead-letters takes list or redrive' : `unknown action ${action}: list or redrive`);
    // A mistyped directory must not read as "no dead letters".
    if (!existsSync(join(stateDirectory, 'lambda'))) {
      io.err(`${stateDirectory} holds no local runtime state (started with npm start, LOCAL_STATE_DIR or --state-dir?)`);
      return exitCodes.usage;
    }
    const store = await AsyncInvocationStore.open(join(stateDirectory, 'lambda'));

    if (action === 'list') {
      if (requestIds.length > 0 || values.all || values.endpoint !== undefined) throw new UsageError('list takes no request ids, --all or --endpoint');
      const { deadLetters: letters, unreadable } = await store.deadLetters();
      if (values.json) {
        io.out(JSON.stringify({ deadLetters: letters, unreadable }));
        return exitCodes.ok;
      }
      for (const letter of letters) {
        const { requestId, approximateInvokeCount } = letter.requestContext;
        const { errorType, errorMessage } = letter.responsePayload;
        io.out(`${requestId}  ${letter.timestamp}  ${functionNameOf(letter)}  attempts ${approximateInvokeCount}  ${errorType}: ${errorMessage}`);
      }
      for (const path of unreadable) io.out(`unreadable, set aside: ${path}`);
      io.out(letters.length === 0 ? 'no dead letters' : `${letters.length} dead letter(s); send them back with: npm run dead-letters -- redrive --all`);
      return exitCodes.ok;
    }

    if (values.all === requestIds.length > 0) throw new UsageError('redrive takes either --all or request ids');
    const endpoint = typeof values.endpoint === 'string' ? values.endpoint : runningRuntime(stateDirectory)?.url;
    if (endpoint === undefined) {
      io.err(`no local runtime is running on ${stateDirectory}: start it with npm start (dead letters stay until redriven), or give --endpoint`);
      return exitCodes.usage;
    }
    const outcome = await redriveDeadLetters(store, values.all ? 'all' : requestIds, lambdaEventSender(endpoint));
    if (values.json) {
      io.out(JSON.stringify(outcome));
    } else {
      for (const path of outcome.unreadable) io.out(`unreadable, set aside and not redriven: ${path}`);
      for (const { requestId, functionName, newRequestId } of outcome.redriven) io.out(`redriven ${requestId} to ${functionName} (new request id ${newRequestId ?? 'unknown'})`);
      for (const { requestId, functionName, error } of outcome.failed) io.out(`failed ${requestId} to ${functionName}: ${error} (kept; run again)`);
      for (const requestId of outcome.unknown) io.out(`no dead letter ${requestId}`);
      io.out(`${outcome.redriven.length} redriven, ${outcome.failed.length} failed`);
    }
    return outcome.failed.length > 0 || outcome.unknown.length > 0 || outcome.unreadable.length > 0 ? exitCodes.failed : exitCodes.ok;
  },
};
