/**
 * Virtual time for a replay: tasks run concurrently, as Lambda invocations do, and time moves only when every
 * task is waiting on the clock (or done), straight to the earliest wake-up. A notification that arrives
 * while another is held (STORM_HOLD_SECONDS) is processed during that hold, as it would be when deployed,
 * and an hour of alerts takes only as long as the work itself.
 */
export class VirtualClock {
  private nowMs: number;
  private running = 0;
  private readonly sleepers: { until: number; wake: () => void }[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** Runs the tasks concurrently on this clock; rejects with the first failure once all have ended. */
  async runAll(tasks: readonly (() => Promise<void>)[]): Promise<void> {
    this.running += tasks.length;
    const results = await Promise.allSettled(
      tasks.map(async (task) => {
        try {
          await task();
        } finally {
          this.running -= 1;
          this.advance();
        }
      }),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Waits until the clock reads `atMs` (at once when it already does). Only for tasks started by runAll. */
  sleepUntil(atMs: number): Promise<void> {
    if (atMs <= this.nowMs) return Promise.resolve();
    return new Promise<void>((wake) => {
      this.sleepers.push({ until: atMs, wake });
      this.running -= 1;
      this.advance();
    });
  }

  sleep(milliseconds: number): Promise<void> {
    return this.sleepUntil(this.nowMs + milliseconds);
  }

  private advance(): void {
    if (this.running > 0 || this.sleepers.length === 0) return;
    this.nowMs = Math.max(this.nowMs, Math.min(...this.sleepers.map((sleeper) => sleeper.until)));
    const due = this.sleepers.filter((sleeper) => sleeper.until <= this.nowMs);
    for (const sleeper of due) this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
    this.running += due.length;
    for (const sleeper of due) sleeper.wake();
  }
}
