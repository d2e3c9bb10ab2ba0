/** Timers that `cancelAll()` ends at once, so closing the emulator leaves no timer behind. */
export class Sleeper {
  readonly #pending = new Map<NodeJS.Timeout, () => void>();
  #cancelled = false;

  /** Resolves true after `ms`, or false at once if cancelled (before or during the wait). */
  sleep(ms: number): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#pending.delete(timer);
          resolve(true);
        },
        Math.max(0, ms),
      );
      this.#pending.set(timer, () => resolve(false));
    });
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancelAll(): void {
    this.#cancelled = true;
    for (const [timer, wake] of this.#pending) {
      clearTimeout(timer);
      wake();
    }
    this.#pending.clear();
  }
}
