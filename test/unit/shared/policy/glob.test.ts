import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch, hasGlobMeta } from '../../../../shared/policy/glob.js';

/** Reference: the textbook recursive definition over code points, memoized so it stays polynomial. */
function referenceMatch(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const s = Array.from(value);
  const memo = new Map<number, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = i * (s.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === p.length) result = j === s.length;
    else if (p[i] === '*') result = at(i + 1, j) || (j < s.length && at(i, j + 1));
    else result = j < s.length && (p[i] === '?' || p[i] === s[j]) && at(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

describe('glob', () => {
  it.each([
    ['build-*', 'build-', true],
    ['build-*', 'build-x86', true],
    ['build-*', 'xbuild-x86', false],
    ['*-agent', 'ci-agent', true],
    ['*-agent', 'ci-agents', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['?', '', false],
    ['?', 'x', true],
    ['?', '😀', true],
    ['??', '😀', false],
    ['*', '', true],
    ['**', 'anything', true],
    ['', '', true],
    ['', 'x', false],
    ['a.c', 'abc', false],
    ['a+', 'aa', false],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['\\*', '\\anything', true],
    ['\\*', '*', false],
    ['Prod', 'prod', false],
  ])('%j against %j → %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
    expect(referenceMatch(pattern, value)).toBe(expected);
  });

  it('tells globs from exact values', () => {
    expect(hasGlobMeta('build-*')).toBe(true);
    expect(hasGlobMeta('n?')).toBe(true);
    expect(hasGlobMeta('a.b[c]')).toBe(false);
  });

  // A small alphabet makes matches frequent; the extra characters are regex metacharacters, a backslash,
  // an astral character and a lone surrogate.
  const char = fc.constantFrom('a', 'b', '.', '\\', '[', '+', '😀', '\uD800');
  const text = (maxLength: number) => fc.array(char, { maxLength }).map((chars) => chars.join(''));
  const pattern = fc
    .array(fc.oneof(char, fc.constantFrom('*', '?')), { maxLength: 12 })
    .map((chars) => chars.join(''));

  it('agrees with the reference matcher on random patterns and values', () => {
    fc.assert(
      fc.property(pattern, text(16), (p, s) => {
        expect(compileGlob(p)(s)).toBe(referenceMatch(p, s));
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees with the reference matcher on values built to match, with edits', () => {
    const matchingPair = fc
      .tuple(pattern, fc.array(text(4), { minLength: 12, maxLength: 12 }))
      .map(([p, fills]) => {
        let i = 0;
        const s = Array.from(p)
          .map((c) => (c === '*' ? (fills[i++] ?? '') : c === '?' ? 'a' : c))
          .join('');
        return [p, s] as const;
      });
    fc.assert(
      fc.property(matchingPair, fc.nat(), fc.boolean(), ([p, s], at, drop) => {
        expect(compileGlob(p)(s)).toBe(true);
        const chars = Array.from(s);
        if (chars.length > 0) chars.splice(at % chars.length, 1, ...(drop ? [] : ['b', 'a']));
        const edited = chars.join('');
        expect(compileGlob(p)(edited)).toBe(referenceMatch(p, edited));
      }),
      { numRuns: 2_000 },
    );
  });

  it('handles patterns that make backtracking matchers explode', () => {
    const long = 'a'.repeat(100_000);
    expect(globMatch('*a*a*a*a*a*a*b', long)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', long)).toBe(false);
    expect(globMatch('*?*?*?*?*?*?*?*?*?*?*b', long)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a*a', long)).toBe(true);
    expect(globMatch(`*${'a'.repeat(60)}b*`, long)).toBe(false);
  });
});
