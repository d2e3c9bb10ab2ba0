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

/** A clock only the test moves: calls started together all see the same moment, as concurrent calls do. */
function still(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async (_ms: number) => undefined,
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

  it('refuses a rate that is not positive, and a burst that is not a whole number of at least 1', () => {
    const c = clock();
    expect(() => new RateLimiter({ ratePerSecond: 0, ...c })).toThrow(/positive/);
    expect(() => new RateLimiter({ ratePerSecond: 5, burst: 0, ...c })).toThrow(/burst/);
    expect(() => new RateLimiter({ ratePerSecond: 5, burst: 2.5, ...c })).toThrow(/burst/);
  });

  it('with a burst: a new key starts spaced; once idle, that many calls at once, then spacing', async () => {
    const c = still();
    const limiter = new RateLimiter({ ratePerSecond: 20, burst: 5, ...c });
    const key = 'cn-hangzhou/DescribeInstanceRamRole';
    // A new key has no credit yet (FC instances a storm starts together must not each open with a burst).
    expect(await Promise.all(Array.from({ length: 3 }, () => limiter.acquire(key)))).toEqual([0, 50, 100]);
    // A second's idleness earns the whole burst: started together, as a batch's calls are, the first five at
    // once, then one per 50 ms.
    c.advance(1_100);
    const waits = await Promise.all(Array.from({ length: 7 }, () => limiter.acquire(key)));
    expect(waits).toEqual([0, 0, 0, 0, 0, 50, 100]);
    // 100 ms idle after the last slot earns two calls' credit (at 20/s), not five.
    c.advance(200);
    expect(await Promise.all(Array.from({ length: 3 }, () => limiter.acquire(key)))).toEqual([0, 0, 50]);
    // A long idle earns no more than the burst.
    c.advance(60_000);
    expect(await Promise.all(Array.from({ length: 6 }, () => limiter.acquire(key)))).toEqual([
      0, 0, 0, 0, 0, 50,
    ]);
  });

  it('waitMs says what acquire then waits, with a burst too', async () => {
    const c = still();
    const limiter = new RateLimiter({ ratePerSecond: 20, burst: 5, ...c });
    const key = 'k';
    const check = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const said = limiter.waitMs(key);
        expect(await limiter.acquire(key)).toBe(said);
      }
    };
    await check(3); // a new key, spaced: 0, 50, 100
    c.advance(1_100);
    await check(7); // a burst of five, then 50, 100
    expect(limiter.waitMs(key)).toBe(150);
  });

  it('with a burst: a throttled call spends the credit, so the next call waits out the pause', async () => {
    const c = still();
    const limiter = new RateLimiter({ ratePerSecond: 20, burst: 5, ...c });
    const key = 'k';
    c.advance(10_000);
    limiter.throttled(key);
    // Halved to 10/s: one interval (100 ms) before the next call, whatever credit the idle time had built.
    expect(await limiter.acquire(key)).toBe(100);
  });

  it('property: with a burst b at rate r, no window of T ms holds more than b + T·r/1000 call starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2_000 })), {
          minLength: 1,
          maxLength: 12,
        }),
        async (rate, burst, groups) => {
          const c = still();
          const limiter = new RateLimiter({ ratePerSecond: rate, burst, ...c });
          const starts: number[] = [];
          for (const [calls, idleMs] of groups) {
            c.advance(idleMs);
            // Each group's calls start together; each resolves at its slot.
            const begun = c.now();
            const waits = await Promise.all(Array.from({ length: calls }, () => limiter.acquire('k')));
            starts.push(...waits.map((w) => begun + w));
            c.advance(Math.max(0, ...waits));
          }
          starts.sort((a, b) => a - b);
          for (let i = 0; i < starts.length; i++) {
            for (let j = i; j < starts.length; j++) {
              const span = (starts[j] ?? 0) - (starts[i] ?? 0);
              expect(j - i + 1).toBeLessThanOrEqual(burst + Math.floor((span * rate) / 1000 + 1e-9));
            }
          }
        },
      ),
    );
  });

  it('halves the rate it was sending at when that is below its limit, so the back-off slows the caller', async () => {
    const c = clock();
    const limiter = new RateLimiter({ ratePerSecond: 20, ...c });
    const key = 'cn-hangzhou/DescribeInstances';
    // 4 calls/s for three seconds: far under the 20/s limit, as coalesced calls are.
    for (let i = 0; i < 12; i++) {
      await limiter.acquire(key);
      c.advance(250);
    }
    limiter.throttled(key);
    // Half of the 4/s it sent, not half of 20/s (10/s would leave the caller as fast as before).
    expect(limiter.rate(key)).toBeCloseTo(2, 1);
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
