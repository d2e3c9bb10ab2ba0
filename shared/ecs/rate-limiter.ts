/**
 * A client-side rate limit per key (an ECS action in a region: ECS's limits are per API, per region, per account,
 * cloud-facts ECS-22), adapting AIMD-style: a throttled call halves the key's rate, each second without one gives
 * back a tenth of the target. Calls are spaced evenly (no bursts), so a rate below the service's limit is never
 * throttled by our own calls; what throttles us then is everyone else's share, and the back-off yields it.
 */
export interface RateLimiterOptions {
  /** The rate each key starts at and recovers to, calls per second. */
  ratePerSecond: number;
  /** The lowest rate back-off goes to (default: a twentieth of the target, at least 0.1/s). */
  minRatePerSecond?: number;
  /** What a throttled call multiplies the rate by (default 0.5). */
  decreaseFactor?: number;
  /** Calls per second won back per second without throttling (default: a tenth of the target). */
  recoveryPerSecond?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

interface KeyState {
  rate: number;
  /** The earliest moment the next call may start. */
  nextAt: number;
  /** When `rate` was last brought up to date by recovery. */
  adjustedAt: number;
  /** The last back-off; the calls in flight then are one signal, not many. */
  decreasedAt: number;
}

export class RateLimiter {
  readonly #target: number;
  readonly #min: number;
  readonly #factor: number;
  readonly #recovery: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: RateLimiterOptions) {
    const { ratePerSecond } = options;
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    }
    this.#target = ratePerSecond;
    this.#min = Math.min(ratePerSecond, options.minRatePerSecond ?? Math.max(0.1, ratePerSecond / 20));
    this.#factor = options.decreaseFactor ?? 0.5;
    if (!(this.#factor > 0 && this.#factor < 1)) {
      throw new RangeError(`decreaseFactor must be between 0 and 1, got ${this.#factor}`);
    }
    this.#recovery = options.recoveryPerSecond ?? ratePerSecond / 10;
    this.#now = options.now;
    this.#sleep = options.sleep;
  }

  /** How long a call on `key` would wait now, ms (0: it may start at once). */
  waitMs(key: string): number {
    const state = this.#state(key);
    return Math.max(0, state.nextAt - this.#now());
  }

  /** Waits for the key's next slot and takes it; resolves with how long it waited. */
  async acquire(key: string): Promise<number> {
    const now = this.#now();
    const state = this.#state(key);
    this.#recover(state, now);
    const at = Math.max(now, state.nextAt);
    state.nextAt = at + 1000 / state.rate;
    const wait = at - now;
    if (wait > 0) await this.#sleep(wait);
    return wait;
  }

  /** A call on `key` was throttled: back off, once per interval however many calls in flight report it. */
  throttled(key: string, retryAfterMs?: number): void {
    const now = this.#now();
    const state = this.#state(key);
    this.#recover(state, now);
    if (now - state.decreasedAt >= 1000 / state.rate) {
      state.rate = Math.max(this.#min, state.rate * this.#factor);
      state.decreasedAt = now;
    }
    const pause = Math.max(1000 / state.rate, retryAfterMs ?? 0);
    state.nextAt = Math.max(state.nextAt, now + pause);
  }

  /** The key's current rate, calls per second. */
  rate(key: string): number {
    const state = this.#state(key);
    this.#recover(state, this.#now());
    return state.rate;
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (state === undefined) {
      const now = this.#now();
      state = { rate: this.#target, nextAt: now, adjustedAt: now, decreasedAt: -Infinity };
      this.#keys.set(key, state);
    }
    return state;
  }

  #recover(state: KeyState, now: number): void {
    const elapsed = Math.max(0, now - state.adjustedAt);
    state.rate = Math.min(this.#target, state.rate + (this.#recovery * elapsed) / 1000);
    state.adjustedAt = now;
  }
}
