/** Counts of a subscription's (or a whole topic's) pushes, for tests and reports. */
export interface MnsDeliveryStats {
  /** Notifications handed over (a queue accepted the message, or the function's `deliver` resolved). */
  readonly delivered: number;
  /** Attempts that failed, retries included. */
  readonly failedAttempts: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Notifications dropped after the strategy's last retry failed. */
  readonly exhausted: number;
  /** Notifications neither handed over nor dropped yet: in flight or waiting for a retry. */
  readonly pending: number;
}

/** One push attempt. */
export interface MnsDeliveryAttempt {
  readonly messageId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** Wall-clock epoch ms at which the attempt started. */
  readonly at: number;
  readonly ok: boolean;
  /** Why it failed. */
  readonly error?: string;
}

export type DeliveryCounters = { -readonly [K in keyof MnsDeliveryStats]: number };

export function newCounters(): DeliveryCounters {
  return { delivered: 0, failedAttempts: 0, retries: 0, exhausted: 0, pending: 0 };
}

/** A count of unfinished work with a way to wait until it is zero. */
export class PendingWork {
  #count = 0;
  #waiters: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  add(): void {
    this.#count++;
  }

  done(): void {
    this.#count--;
    if (this.#count > 0) return;
    this.#count = 0;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Resolves once nothing is pending (at once when nothing is). */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
