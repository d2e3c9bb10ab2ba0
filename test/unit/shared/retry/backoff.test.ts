import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../shared/retry/backoff.js';

const options = { baseMs: 100, capMs: 2_000 };

describe('backoffDelay (exponential, full jitter)', () => {
  it('stays within [0, min(cap, base·2^attempt)] for every attempt and draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelay(attempt, options, undefined, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(options.capMs, options.baseMs * 2 ** attempt));
        },
      ),
    );
  });

  it('reaches the top of its window with the highest draw, and doubles per attempt until the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, options, undefined, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([99, 199, 399, 799, 1599, 1999]);
  });

  it('is jittered: the lowest draw waits nothing', () => {
    expect(backoffDelay(5, options, undefined, () => 0)).toBe(0);
  });

  it('never waits less than the service asked (retryAfter), even past the cap', () => {
    expect(backoffDelay(0, options, 1_500, () => 0)).toBe(1_500);
    expect(backoffDelay(3, options, 10_000, () => 0.5)).toBe(10_000);
  });
});
