import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withoutStormgateVariables } from './stormgate-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `stormgate …` as a user runs it (the package bin, from the repository), with stormgate's variables and
 * STORMGATE_URL / STORMGATE_TOKEN cleared and `env` set; resolves with its exit code and output.
 */
export async function runStormgate(args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  const { STORMGATE_URL: _url, STORMGATE_TOKEN: _token, ...inherited } = withoutStormgateVariables(process.env);
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/stormgate.mjs', ...args], { cwd: root, env: { ...inherited, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
