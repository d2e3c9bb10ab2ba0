import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../shared/ecs/rate-limiter.js';

/** A clock that sleeping advances, exactly. */
function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('RateLimiter', () => {
  it('spaces calls on one key evenly at the target rate, keys independently', async () => {
    const c = clock();
    const limiter = new RateLimiter({ ratePerSecond: 20, ...c });
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter.acquire('cn-hangzhou/DescribeInstances');
      starts.push(c.now());
    }
    expect(starts.map((t) => t - 1_000_000)).toEqual([0, 50, 100, 150, 200]);
    expect(await limiter.acquire('cn-shanghai/DescribeInstances')).toBe(0);
  });

  it('halves the rate on throttling once per interval, then recovers additively to the target', async () => {
    const c = clock();
    const limiter = new RateLimiter({ ratePerSecond: 20, ...c });
    const key = 'cn-hangzhou/AttachInstanceRamRole';
    limiter.throttled(key);
    limiter.throttled(key); // the same burst of in-flight calls: one back-off
    expect(limiter.rate(key)).toBe(10);
    c.advance(100); // one interval at 10/s: a second signal counts
    limiter.throttled(key);
    expect(limiter.rate(key)).toBeCloseTo(5.1, 5); // 10 + 0.2 recovered, then halved
    c.advance(5_000);
    expect(limiter.rate(key)).toBeCloseTo(15.1, 5); // +2/s for 5 s
    c.advance(60_000);
    expect(limiter.rate(key)).toBe(20);
  });

  it('never goes below the floor and honours a retry-after', async () => {
    const c = clock();
    const limiter = new RateLimiter({ ratePerSecond: 4, minRatePerSecond: 1, ...c });
    const key = 'k';
    for (let i = 0; i < 10; i++) {
      limiter.throttled(key);
      c.advance(1_000);
    }
    expect(limiter.rate(key)).toBeGreaterThanOrEqual(1);
    limiter.throttled(key, 7_000);
    expect(limiter.waitMs(key)).toBe(7_000);
  });

  it('refuses a rate that is not positive', () => {
    const c = clock();
    expect(() => new RateLimiter({ ratePerSecond: 0, ...c })).toThrow(/positive/);
  });

  it('property: n calls on one key never start closer than one interval at the target rate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 2, max: 40 }), async (rate, n) => {
        const c = clock();
        const limiter = new RateLimiter({ ratePerSecond: rate, ...c });
        const starts: number[] = [];
        for (let i = 0; i < n; i++) {
          await limiter.acquire('k');
          starts.push(c.now());
        }
        for (let i = 1; i < n; i++) {
          expect((starts[i] ?? 0) - (starts[i - 1] ?? 0)).toBeCloseTo(1000 / rate, 6);
        }
      }),
    );
  });
});
