import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat (Linux clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface BenchChild<Ready> {
  readonly process: ChildProcess;
  readonly ready: Ready;
  ask<Answer>(message: Record<string, unknown>): Promise<Answer>;
  stop(): Promise<void>;
}

/** Forks a bench module (TypeScript via tsx) with an IPC channel; its first message is `ready`. */
/** `quiet`: its stdout (the functions' log lines) is dropped. */
export async function forkBenchChild<Ready>(module: string, env: NodeJS.ProcessEnv = process.env, options: { quiet?: boolean } = {}): Promise<BenchChild<Ready>> {
  const child = fork(fileURLToPath(new URL(module, import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`${module} exited with ${String(code)} before it was ready`)));
  });
  let nextId = 0;
  return {
    process: child,
    ready,
    ask: <Answer>(message: Record<string, unknown>) =>
      new Promise<Answer>((resolve) => {
        const id = (nextId += 1);
        const listen = (answer: { id?: number }) => {
          if (answer.id !== id) return;
          child.off('message', listen);
          resolve(answer as Answer);
        };
        child.on('message', listen);
        child.send({ ...message, id });
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}
