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
export async function forkBenchChild<Ready>(module: string, env: NodeJS.ProcessEnv = process.env, options: { quiet?: boolean; nodeOptions?: readonly string[] } = {}): Promise<BenchChild<Ready>> {
  const child = fork(fileURLToPath(new URL(module, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...(options.nodeOptions ?? [])],
    env,
    stdio: ['ignore', options.quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`${module} exited with ${String(code)} before it was ready`)));
  });
  let nextId = 0;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    process: child,
    ready,
    // Rejects when the child dies or does not answer within 20 minutes, so that the bench fails instead of hanging.
    ask: <Answer>(message: Record<string, unknown>) =>
      new Promise<Answer>((resolve, reject) => {
        const id = (nextId += 1);
        const done = () => {
          clearTimeout(timer);
          child.off('message', listen);
          child.off('exit', died);
        };
        const listen = (answer: { id?: number }) => {
          if (answer.id !== id) return;
          done();
          resolve(answer as Answer);
        };
        const died = (code: number | null, signal: string | null) => {
          done();
          reject(new Error(`${module} exited (${String(code ?? signal)}) before it answered`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${module} did not answer within 20 minutes`));
        }, 20 * 60_000);
        child.on('message', listen);
        child.once('exit', died);
        child.send({ ...message, id });
      }),
    stop: async () => {
      if (exited()) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await gone;
    },
  };
}
