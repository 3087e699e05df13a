import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** `runtime.json` in a state directory: the running local runtime's URL and process. */
const runtimeFileSchema = z.object({ url: z.string().url(), pid: z.number().int().positive() });
export type RunningRuntime = z.infer<typeof runtimeFileSchema>;

const pathIn = (stateDirectory: string) => join(stateDirectory, 'runtime.json');

/** Whether a process with this id runs (signal 0 only checks). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runtime that uses this state directory, if one runs (a file left by a killed one does not count). */
export function runningRuntime(stateDirectory: string): RunningRuntime | undefined {
  let text: string;
  try {
    text = readFileSync(pathIn(stateDirectory), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = (() => {
    try {
      return runtimeFileSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  return parsed?.success && isRunning(parsed.data.pid) ? parsed.data : undefined;
}

export function writeRuntimeFile(stateDirectory: string, runtime: RunningRuntime): () => void {
  writeFileSync(pathIn(stateDirectory), JSON.stringify(runtime));
  return () => rmSync(pathIn(stateDirectory), { force: true });
}
