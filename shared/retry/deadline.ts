/**
 * The moment by which an invocation must have stopped working, so that it can still report and dead-letter
 * what is left before FC kills it.
 */
export class Deadline {
  readonly #at: number;
  readonly #now: () => number;

  constructor(at: number, now: () => number = Date.now) {
    this.#at = at;
    this.#now = now;
  }

  /** FC's timeout (seconds) counted from `startedAt`, minus a margin kept for the report and dead-lettering. */
  static fromTimeout(
    timeoutSeconds: number,
    marginMs: number,
    startedAt: number = Date.now(),
    now?: () => number,
  ): Deadline {
    return new Deadline(startedAt + timeoutSeconds * 1000 - marginMs, now);
  }

  get at(): number {
    return this.#at;
  }

  remainingMs(): number {
    return Math.max(0, this.#at - this.#now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** True when waiting `ms` would pass the deadline. */
  wouldPass(ms: number): boolean {
    return this.#now() + ms >= this.#at;
  }
}
