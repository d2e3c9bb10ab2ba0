import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, groupBy } from '../../../../shared/collections/chunk.js';

describe('chunk', () => {
  it('splits into slices of at most `size`, all full but the last, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 10 }), (items, size) => {
        const chunks = chunk(items, size);
        expect(chunks.flat()).toEqual(items);
        expect(chunks).toHaveLength(Math.ceil(items.length / size));
        for (const c of chunks.slice(0, -1)) expect(c).toHaveLength(size);
        for (const c of chunks) expect(c.length).toBeGreaterThan(0);
      }),
    );
  });

  it('gives no slices for no items', () => {
    expect(chunk([], 100)).toEqual([]);
  });
});

describe('groupBy', () => {
  it('keeps every item once, in groups ordered by first appearance, members in their order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), n: fc.nat() })), (items) => {
        const groups = groupBy(items, (item) => item.key);
        expect(groups.map(([key]) => key)).toEqual([...new Set(items.map((item) => item.key))]);
        for (const [key, members] of groups) {
          expect(members).toEqual(items.filter((item) => item.key === key));
        }
      }),
    );
  });
});
