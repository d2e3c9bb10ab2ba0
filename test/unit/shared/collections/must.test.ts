import { describe, expect, it } from 'vitest';
import { must } from '../../../../shared/collections/must.js';

describe('must', () => {
  const map = new Map<string, number | null>([
    ['a', 1],
    ['zero', 0],
    ['none', null],
  ]);

  it('returns the value under a present key, falsy ones included', () => {
    expect(must(map, 'a')).toBe(1);
    expect(must(map, 'zero')).toBe(0);
    expect(must(map, 'none')).toBeNull();
  });

  it('throws, naming the key, for a key that is absent', () => {
    expect(() => must(map, 'i-missing')).toThrow('no entry for i-missing');
  });
});
