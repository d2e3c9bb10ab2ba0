import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonValue, globIntersection, globWithin } from '../../../../shared/policy/condition-overlap.js';
import { globMatch } from '../../../../shared/policy/glob.js';
import type { TagCondition } from '../../../../shared/policy/policy.js';

const glob = (pattern: string): TagCondition => ({ kind: 'glob', pattern });
const equals = (value: string): TagCondition => ({ kind: 'equals', value });
const anyOf = (...values: string[]): TagCondition => ({ kind: 'any-of', values });
const present = (p: boolean): TagCondition => ({ kind: 'present', present: p });

describe('globIntersection', () => {
  it.each([
    ['build-*', 'build-gpu', 'build-gpu'],
    ['build-*', '*-gpu', 'build-gpu'],
    ['a?c', '?b?', 'abc'],
    ['*', '', ''],
    ['x*', '*y', 'xy'],
    ['😀*', '?', '😀'],
  ])('%j and %j meet at %j (the shortest value both match)', (a, b, witness) => {
    expect(globIntersection(a, b)).toBe(witness);
  });

  it.each([
    ['build-*', 'test-*'],
    ['a?', 'abc'],
    ['*x', '*y'],
    ['??', '?'],
  ])('%j and %j have no value in common', (a, b) => {
    expect(globIntersection(a, b)).toBeUndefined();
  });

  const pattern = fc
    .array(fc.constantFrom('a', 'b', '*', '?', '-'), { maxLength: 6 })
    .map((chars) => chars.join(''));
  const value = fc.array(fc.constantFrom('a', 'b', '-'), { maxLength: 6 }).map((chars) => chars.join(''));

  it('finds a value both globs match exactly when one exists', () => {
    fc.assert(
      fc.property(pattern, pattern, fc.array(value, { maxLength: 30 }), (a, b, samples) => {
        const witness = globIntersection(a, b);
        if (witness !== undefined) {
          expect(globMatch(a, witness)).toBe(true);
          expect(globMatch(b, witness)).toBe(true);
        } else {
          for (const sample of samples) expect(globMatch(a, sample) && globMatch(b, sample)).toBe(false);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('commonValue', () => {
  it.each<[string, TagCondition, TagCondition, string | undefined | null]>([
    ['equal values', equals('prod'), equals('prod'), 'prod'],
    ['different values', equals('prod'), equals('dev'), null],
    ['a value in a list', equals('dev'), anyOf('prod', 'dev'), 'dev'],
    ['two lists', anyOf('a', 'b'), anyOf('c', 'b'), 'b'],
    ['a glob and a listed value', glob('build-*'), anyOf('x', 'build-1'), 'build-1'],
    ['a glob and a value it misses', glob('build-*'), equals('test-1'), null],
    ['presence and a value', present(true), equals(''), ''],
    ['presence and a glob', present(true), glob('a?'), 'ax'],
    ['absence and absence', present(false), present(false), undefined],
    ['absence and a value', present(false), equals('x'), null],
    ['absence and presence', present(false), present(true), null],
  ])('%s', (_what, a, b, expected) => {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const found = commonValue(x, y);
      if (expected === null) expect(found).toBeUndefined();
      else expect(found).toEqual({ value: expected });
    }
  });
});

describe('globWithin', () => {
  it.each<[string, TagCondition, boolean]>([
    ['build-gpu-*', glob('build-*'), true],
    ['*-gpu', glob('*gpu'), true],
    ['a*', glob('a*'), true],
    ['anything*', glob('**'), true],
    ['x?', present(true), true],
    ['build*', glob('build-*'), false],
    ['build-*', equals('build-1'), false],
    ['a*', anyOf('a', 'ab'), false],
    ['a*', present(false), false],
  ])('%j within %j → %s', (pattern, condition, within) => {
    expect(globWithin(pattern, condition)).toBe(within);
  });
});
