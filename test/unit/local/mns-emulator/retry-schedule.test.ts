import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../../local/mns-emulator/retry-schedule.js';

describe('retryDelaySeconds', () => {
  it('BACKOFF_RETRY: 3 retries, each 10–20 s after the previous attempt', () => {
    expect(retryDelaySeconds('BACKOFF_RETRY', 0, () => 0)).toBe(10);
    expect(retryDelaySeconds('BACKOFF_RETRY', 2, () => 0.999)).toBeCloseTo(19.99);
    expect(retryDelaySeconds('BACKOFF_RETRY', 3, () => 0)).toBeUndefined();
  });

  it('EXPONENTIAL_DECAY_RETRY: 1, 2, 4 … 256 s, then 167 retries 512 s apart: 176 retries, about a day', () => {
    const delays: number[] = [];
    for (let retry = 0; ; retry++) {
      const delay = retryDelaySeconds('EXPONENTIAL_DECAY_RETRY', retry);
      if (delay === undefined) break;
      delays.push(delay);
    }
    expect(delays).toHaveLength(176);
    expect(delays.slice(0, 11)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512]);
    expect(delays.filter((d) => d === 512)).toHaveLength(167);
    const total = delays.reduce((sum, d) => sum + d, 0);
    expect(total).toBe(511 + 167 * 512);
    expect(Math.abs(total - 86_400)).toBeLessThan(600);
  });
});
