import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../../../shared/text/did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['cn-hangzou', 'cn-hangzhou', 1],
    ['cn-hnagzhou', 'cn-hangzhou', 1],
    ['', 'abc', 3],
    ['same', 'same', 0],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  const names = ['validate', 'explain', 'iam'];
  it('suggests a close spelling', () => {
    expect(closestMatch('valdiate', names)).toBe('validate');
    expect(closestMatch('explian', names)).toBe('explain');
  });
  it('suggests nothing for what is not a misspelling', () => {
    expect(closestMatch('deploy', names)).toBeUndefined();
    expect(closestMatch('x', names)).toBeUndefined();
  });
});
