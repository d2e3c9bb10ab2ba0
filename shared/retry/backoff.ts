export interface BackoffOptions {
  /** Delay scale for the first retry. */
  baseMs: number;
  /** No single wait is longer than this (before `retryAfterMs`, which the service set and we honour). */
  capMs: number;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform draw
 * in [0, min(cap, base·2^attempt)]. Spreads a burst of throttled callers instead of synchronising them. When
 * the service said how long to wait, wait at least that long.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}
