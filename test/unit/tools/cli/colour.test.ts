import { describe, expect, it } from 'vitest';
import { colours, useColour } from '../../../../tools/cli/colour.js';

describe('colours', () => {
  it.each<[string, boolean | undefined, Record<string, string>, boolean]>([
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR=1', true, { NO_COLOR: '1' }, false],
    ['a terminal with NO_COLOR empty (unset, per no-color.org)', true, { NO_COLOR: '' }, true],
    ['a pipe', false, {}, false],
    ['a stream that does not say', undefined, {}, false],
    ['a pipe with FORCE_COLOR', false, { FORCE_COLOR: '1' }, false],
  ])('%s → colour %s', (_what, isTTY, env, expected) => {
    expect(useColour({ isTTY }, env)).toBe(expected);
    const text = colours({ isTTY }, env).red('x');
    expect(text.includes('\u001b[')).toBe(expected);
    if (!expected) expect(text).toBe('x');
  });
});
