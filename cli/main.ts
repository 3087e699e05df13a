/**
 * `stormgate <command> …`: the operator's command line (package bin; `npx stormgate` in the repository).
 * Each command has --help and --json; exit codes are in cli/command.ts.
 */
import { parseArgs } from 'node:util';
import { type Command, type CommandIo, exitCodes, UsageError } from './command.js';
import { deadLetters } from './commands/dead-letters.js';
import { doctor } from './commands/doctor.js';
import { memory } from './commands/memory.js';
import { record } from './commands/record.js';
import { replay } from './commands/replay.js';
import { send } from './commands/send.js';
import { why } from './commands/why.js';

const commands: readonly Command[] = [send, why, replay, record, memory, doctor, deadLetters];

const overview = `Usage: stormgate <command> [options]   (stormgate <command> --help for one)

Commands:
${commands.map((command) => `  ${command.name.padEnd(14)} ${command.summary}`).join('\n')}

Exit codes: 0 done, 1 failed or refused, 2 usage, 3 unreachable.`;

/** Runs one command line; resolves with the exit code. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`unknown command ${name}\n\n${overview}`);
    return exitCodes.usage;
  }
  try {
    const { values, positionals } = parseArgs({ args: [...rest], allowPositionals: true, options: { ...command.options, help: { type: 'boolean', short: 'h', default: false } } });
    if (values.help) {
      io.out(command.usage);
      return exitCodes.ok;
    }
    return await command.run(values, positionals, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${command.usage}`);
      return exitCodes.usage;
    }
    const cause = (error as { cause?: { code?: string } }).cause;
    if (error instanceof TypeError && /fetch failed/.test(error.message)) {
      io.err(`could not reach the endpoint: ${cause?.code ?? error.message} (is stormgate running? npm start prints its URL)`);
      return exitCodes.unreachable;
    }
    io.err(`${command.name} failed: ${(error as Error).message}`);
    return exitCodes.failed;
  }
}

const io: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  ...(process.stderr.isTTY && { status: (line: string) => process.stderr.write(`\r${line}\x1b[K`) }),
};
process.exitCode = await main(process.argv.slice(2), io);
// Clients the commands opened (Redis reconnecting, sockets) must not keep the process alive.
process.exit();
