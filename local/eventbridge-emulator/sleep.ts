/** Timers that `cancelAll()` ends at once (resolving), so closing never waits out a retry delay. */
export class Sleeper {
  readonly #wakers = new Set<() => void>();
  #cancelled = false;

  sleep(ms: number): Promise<void> {
    if (this.#cancelled) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#wakers.add(wake);
    });
  }

  /** Whether `cancelAll()` was called: waits no longer wait. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Ends every wait now and every later one at once. */
  cancelAll(): void {
    this.#cancelled = true;
    for (const wake of [...this.#wakers]) wake();
  }
}
