import { performance } from 'node:perf_hooks';

/** Runs `task` for indexes 0..count-1 with at most `concurrency` at a time; returns each task's result. */
export async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/** Milliseconds `work` took. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export interface LoadResult {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Throughput and latency percentiles of `count` requests whose latencies `run` returns. */
export async function summarize(count: number, run: () => Promise<number[]>): Promise<LoadResult> {
  const started = performance.now();
  const latencies = (await run()).sort((a, b) => a - b);
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: Math.round(count / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}

/** A progress line on stderr (stdout ends with the one JSON line). */
export const progress = (line: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
};
