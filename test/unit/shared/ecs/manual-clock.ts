import type { CoalescerClock } from '../../../../shared/ecs/ecs-coalescer.js';

/** Time that moves only when the test says so; timers run in time order. */
export class ManualClock implements CoalescerClock {
  #now = 1_000_000;
  #next = 1;
  readonly #timers = new Map<number, { at: number; run: () => void }>();

  now = () => this.#now;

  setTimeout = (run: () => void, ms: number): unknown => {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + ms, run });
    return handle;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** Moves time on by `ms`, running each timer that falls due (and the promise reactions it causes) in order. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      await settle();
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].run();
    }
    this.#now = until;
    await settle();
  }
}

export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
