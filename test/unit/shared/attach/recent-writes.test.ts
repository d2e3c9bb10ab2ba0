import { describe, expect, it } from 'vitest';
import { RecentWrites } from '../../../../shared/attach/recent-writes.js';

describe('RecentWrites', () => {
  it('remembers an instance per region until its time is up', () => {
    const recent = new RecentWrites(1_000);
    recent.note('cn-hangzhou', 'i-1', 5_000);
    expect(recent.has('cn-hangzhou', 'i-1', 5_999)).toBe(true);
    expect(recent.has('cn-shanghai', 'i-1', 5_000)).toBe(false);
    expect(recent.has('cn-hangzhou', 'i-1', 6_000)).toBe(false);
    // An expired entry is dropped when asked about.
    expect(recent.size).toBe(0);
  });

  it('forgets the least recently noted first past its bound', () => {
    const recent = new RecentWrites(60_000, 2);
    recent.note('r', 'i-1', 0);
    recent.note('r', 'i-2', 1);
    recent.note('r', 'i-1', 2);
    recent.note('r', 'i-3', 3);
    expect([recent.has('r', 'i-1', 4), recent.has('r', 'i-2', 4), recent.has('r', 'i-3', 4)]).toEqual([
      true,
      false,
      true,
    ]);
    expect(recent.size).toBe(2);
  });
});
