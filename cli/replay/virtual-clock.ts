/**
 * Virtual time for a replay: tasks run concurrently, as Lambda invocations do, and time moves only when every
 * task is waiting on the clock (or done), straight to the earliest wake-up. A notification that arrives
 * while another is held (STORM_HOLD_SECONDS) is processed during that hold, as it would be when deployed,
 * and an hour of alerts takes only as long as the work itself.
 */
export class VirtualClock {
  private nowMs: number;
  private running = 0;
  /** Waiting tasks, a binary min-heap by wake-up time (then by arrival: equal times wake in order). */
  private readonly sleepers: Sleeper[] = [];
  private arrivals = 0;

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
      this.push({ until: atMs, order: (this.arrivals += 1), wake });
      this.running -= 1;
      this.advance();
    });
  }

  sleep(milliseconds: number): Promise<void> {
    return this.sleepUntil(this.nowMs + milliseconds);
  }

  private advance(): void {
    const earliest = this.sleepers[0];
    if (this.running > 0 || earliest === undefined) return;
    this.nowMs = Math.max(this.nowMs, earliest.until);
    const due: Sleeper[] = [];
    while (this.sleepers[0] !== undefined && this.sleepers[0].until <= this.nowMs) due.push(this.pop());
    this.running += due.length;
    for (const sleeper of due) sleeper.wake();
  }

  private static before(a: Sleeper, b: Sleeper): boolean {
    return a.until < b.until || (a.until === b.until && a.order < b.order);
  }

  private push(sleeper: Sleeper): void {
    const heap = this.sleepers;
    heap.push(sleeper);
    for (let index = heap.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!VirtualClock.before(heap[index] as Sleeper, heap[parent] as Sleeper)) break;
      [heap[index], heap[parent]] = [heap[parent] as Sleeper, heap[index] as Sleeper];
      index = parent;
    }
  }

  private pop(): Sleeper {
    const heap = this.sleepers;
    const top = heap[0] as Sleeper;
    const last = heap.pop() as Sleeper;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let index = 0; ; ) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && VirtualClock.before(heap[left] as Sleeper, heap[smallest] as Sleeper)) smallest = left;
      if (right < heap.length && VirtualClock.before(heap[right] as Sleeper, heap[smallest] as Sleeper)) smallest = right;
      if (smallest === index) return top;
      [heap[index], heap[smallest]] = [heap[smallest] as Sleeper, heap[index] as Sleeper];
      index = smallest;
    }
  }
}

interface Sleeper {
  readonly until: number;
  readonly order: number;
  readonly wake: () => void;
}
