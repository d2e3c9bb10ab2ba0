/**
 * Per-API flow control. As the reference shelf has it (cloud-facts ECS-22, inferred): ECS limits are per API, per region, per account (the whole
 * emulator is one account), independent of one another. The real service counts per minute ("throttled in
 * minute T, allowed again from T+1"); the emulator uses token buckets instead — `burst` calls at once, then
 * `ratePerSecond` — which is what a caller observes at the scale of seconds and is easy to reason about in tests.
 */

export interface RateLimit {
  /** Tokens added per second (0: the bucket never refills). */
  ratePerSecond: number;
  /** Bucket size: calls allowed at once after a quiet period. */
  burst: number;
}

/** `{[action]: limit}`; `'*'` is the default for every action without its own limit. */
export type RateLimitTable = Readonly<Record<string, RateLimit>>;

interface Bucket {
  tokens: number;
  at: number;
  limit: RateLimit;
}

const DEFAULT_KEY = '*';

/**
 * The emulator's buckets. Limits can change while it runs (a "throttling storm"): a bucket is first settled at
 * its old rate up to the change, then refills at the new rate and is capped at the new burst. A call refused for
 * flow control takes no token. With no limit for an action (and no default), it is never throttled.
 */
export class RateLimiter {
  readonly #limits = new Map<string, RateLimit>();
  /** `action \n region` → bucket. */
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(limits: RateLimitTable, now: () => number) {
    this.#now = now;
    for (const [action, limit] of Object.entries(limits)) this.set(action, limit);
  }

  /** Sets (or with undefined removes) the limit of one action; `'*'` is the default. */
  set(action: string, limit: RateLimit | undefined): void {
    if (limit !== undefined) validate(action, limit);
    const now = this.#now();
    for (const bucket of this.#buckets.values()) refill(bucket, now);
    if (limit === undefined) this.#limits.delete(action);
    else this.#limits.set(action, { ...limit });
    // Every bucket takes its action's (possibly new) effective limit from now on.
    for (const [key, bucket] of this.#buckets) {
      const effective = this.limitFor(key.slice(0, key.indexOf('\n')));
      // Refills cap the tokens at the (possibly lower) new burst.
      if (effective === undefined) this.#buckets.delete(key);
      else bucket.limit = effective;
    }
  }

  /** The default limit for actions without their own (undefined: unlimited). */
  setDefault(limit: RateLimit | undefined): void {
    this.set(DEFAULT_KEY, limit);
  }

  /** Removes every limit and bucket. */
  clear(): void {
    this.#limits.clear();
    this.#buckets.clear();
  }

  /** The limit that applies to an action, if any. */
  limitFor(action: string): RateLimit | undefined {
    return this.#limits.get(action) ?? this.#limits.get(DEFAULT_KEY);
  }

  /** Current limits, `'*'` being the default. */
  limits(): Record<string, RateLimit> {
    return Object.fromEntries([...this.#limits].map(([action, limit]) => [action, { ...limit }]));
  }

  /** Whole tokens left in a bucket now (the burst when the bucket was never used; Infinity when unlimited). */
  available(action: string, region: string): number {
    const limit = this.limitFor(action);
    if (limit === undefined) return Number.POSITIVE_INFINITY;
    const bucket = this.#buckets.get(bucketKey(action, region));
    if (!bucket) return limit.burst;
    refill(bucket, this.#now());
    return Math.floor(bucket.tokens);
  }

  /** Takes a token for one call; false when the bucket is empty (the call is throttled). */
  take(action: string, region: string): boolean {
    const limit = this.limitFor(action);
    if (limit === undefined) return true;
    const now = this.#now();
    const key = bucketKey(action, region);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, at: now, limit };
      this.#buckets.set(key, bucket);
    }
    refill(bucket, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

function bucketKey(action: string, region: string): string {
  return `${action}\n${region}`;
}

function refill(bucket: Bucket, now: number): void {
  const elapsedMs = Math.max(0, now - bucket.at);
  bucket.tokens = Math.min(
    bucket.limit.burst,
    bucket.tokens + (elapsedMs / 1000) * bucket.limit.ratePerSecond,
  );
  bucket.at = Math.max(bucket.at, now);
}

function validate(action: string, limit: RateLimit): void {
  if (!(limit.ratePerSecond >= 0) || !Number.isFinite(limit.ratePerSecond)) {
    throw new Error(`rate limit of ${action}: ratePerSecond must be a finite number >= 0`);
  }
  if (!Number.isInteger(limit.burst) || limit.burst < 0) {
    throw new Error(`rate limit of ${action}: burst must be an integer >= 0`);
  }
}
