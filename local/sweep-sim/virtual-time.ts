/**
 * Virtual time for whole sweeps: `sleep` parks a timer, and `run` moves the clock to the earliest timer whenever
 * nothing else can happen (every promise settled). Minutes of rate-limited calls run in a moment, exactly.
 */
export class VirtualTime {
  #now: number;
  readonly #timers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;

  constructor(start = Date.UTC(2026, 10, 29, 4)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve });
    });

  /** Runs `work` to its end, advancing the clock whenever it waits only on timers. */
  async run<T>(work: Promise<T>, maxSteps = 5_000_000): Promise<T> {
    let settled = false;
    const result = work.finally(() => {
      settled = true;
    });
    result.catch(() => {});
    for (let step = 0; step < maxSteps; step++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) return result;
      if (this.#timers.length === 0) continue;
      let next = 0;
      for (let i = 1; i < this.#timers.length; i++) {
        const t = this.#timers[i];
        const n = this.#timers[next];
        if (t !== undefined && n !== undefined && (t.at < n.at || (t.at === n.at && t.seq < n.seq))) next = i;
      }
      const [timer] = this.#timers.splice(next, 1);
      if (timer === undefined) continue;
      this.#now = Math.max(this.#now, timer.at);
      timer.resolve();
    }
    throw new Error(`virtual time: still running after ${maxSteps} steps`);
  }
}
