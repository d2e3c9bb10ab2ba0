/**
 * Delayed work of the emulator (lifecycle transitions, visibility, event delivery) on real timers, with two ways
 * for tests to stay deterministic: `flush()` runs everything pending right now, in due order, as if time had
 * passed (work a task schedules is due its delay after that task's own due time), and `idle()` waits until
 * nothing is pending. `close()` cancels everything, and a
 * closed scheduler accepts no new work, so no timer outlives the emulator.
 */

interface Task {
  due: number;
  seq: number;
  run: () => void;
  timer: NodeJS.Timeout;
}

/** Bound on the tasks one `flush()` runs, so a task that keeps rescheduling itself cannot hang a test. */
const MAX_FLUSH_TASKS = 100_000;

export class Scheduler {
  readonly #tasks = new Map<number, Task>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #onError: (error: unknown) => void;
  #seq = 0;
  #closed = false;
  /** While `flush` runs a task: that task's due time, the virtual "now" that work it schedules counts from. */
  #flushingAt: number | undefined;

  /** `onError` receives what a task throws (a task never takes the process down). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Runs `run` after `delayMs` (0: on a later turn of the event loop, never synchronously). */
  after(delayMs: number, run: () => void): void {
    if (this.#closed) return;
    const seq = ++this.#seq;
    const delay = Math.max(0, delayMs);
    const timer = setTimeout(() => this.#run(seq), delay);
    this.#tasks.set(seq, { due: (this.#flushingAt ?? performance.now()) + delay, seq, run, timer });
  }

  /** Tasks not yet run. */
  get pending(): number {
    return this.#tasks.size;
  }

  /** Runs every pending task now, earliest due first (ties in scheduling order), until none is left. */
  flush(): void {
    for (let n = 0; n < MAX_FLUSH_TASKS; n += 1) {
      let next: Task | undefined;
      for (const task of this.#tasks.values()) {
        if (next === undefined || task.due < next.due || (task.due === next.due && task.seq < next.seq)) {
          next = task;
        }
      }
      if (next === undefined) return;
      clearTimeout(next.timer);
      this.#flushingAt = next.due;
      try {
        this.#run(next.seq);
      } finally {
        this.#flushingAt = undefined;
      }
    }
    throw new Error(`scheduler flush ran ${MAX_FLUSH_TASKS} tasks and work is still pending`);
  }

  /** Resolves once no task is pending (at once when none is). */
  idle(): Promise<void> {
    if (this.#tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Cancels every pending task; later `after` calls do nothing. */
  close(): void {
    this.#closed = true;
    for (const task of this.#tasks.values()) clearTimeout(task.timer);
    this.#tasks.clear();
    this.#wakeIdle();
  }

  #run(seq: number): void {
    const task = this.#tasks.get(seq);
    if (!task) return;
    this.#tasks.delete(seq);
    try {
      task.run();
    } catch (error) {
      this.#onError(error);
    }
    if (this.#tasks.size === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
