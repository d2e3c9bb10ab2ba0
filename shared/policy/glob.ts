/**
 * Glob matching for tag values: `*` matches any run of characters (including none), `?` exactly one character
 * (one Unicode code point). Every other character, `\` and regex metacharacters included, is literal; there is
 * no escape. Matching is case-sensitive.
 *
 * No regex is built from the pattern, and there is no backtracking: the pattern is split at `*` into segments,
 * the first and last are anchored, the middle ones are found leftmost in order (greedy leftmost is correct when
 * segments are separated by `*`). The cost is O(value length × pattern length), linear in the value for a
 * pattern of bounded length, so a hostile tag value cannot make a match slow.
 */

/** Tests one value against a compiled pattern. */
export type GlobMatcher = (value: string) => boolean;

/** A pattern character or a value character: one code point (or one UTF-16 unit; see `toChars`). */
type Chars = ArrayLike<string>;

/** Whether a string is a glob pattern (has `*` or `?`) rather than an exact value. */
export const hasGlobMeta = (text: string): boolean => text.includes('*') || text.includes('?');

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Without surrogates, UTF-16 units are code points and the string can be indexed as is; otherwise split it into
 * code points so that `?` consumes a whole astral character (an emoji is one character, not two).
 */
const toChars = (text: string): Chars => (SURROGATE.test(text) ? Array.from(text) : text);

/** Whether `segment` (where `?` matches any one character) matches `chars` at `start`. */
function segmentAt(chars: Chars, start: number, segment: Chars): boolean {
  for (let i = 0; i < segment.length; i++) {
    const p = segment[i];
    if (p !== '?' && p !== chars[start + i]) return false;
  }
  return true;
}

/** Leftmost index ≥ `from` and ≤ `last` where `segment` matches, or -1. */
function findSegment(chars: Chars, from: number, last: number, segment: Chars): number {
  for (let start = from; start <= last; start++) {
    if (segmentAt(chars, start, segment)) return start;
  }
  return -1;
}

/** Compiles a pattern once (at policy load) into a matcher that allocates nothing for ASCII/BMP values. */
export function compileGlob(pattern: string): GlobMatcher {
  const segments = pattern.split('*').map((segment) => Array.from(segment));
  const first = segments[0] ?? [];
  if (segments.length === 1) {
    return (value) => {
      const chars = toChars(value);
      return chars.length === first.length && segmentAt(chars, 0, first);
    };
  }
  const lastSegment = segments[segments.length - 1] ?? [];
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  const minLength = middle.reduce((sum, segment) => sum + segment.length, first.length + lastSegment.length);
  return (value) => {
    const chars = toChars(value);
    if (chars.length < minLength) return false;
    const end = chars.length - lastSegment.length;
    if (!segmentAt(chars, 0, first) || !segmentAt(chars, end, lastSegment)) return false;
    let position = first.length;
    for (const segment of middle) {
      const found = findSegment(chars, position, end - segment.length, segment);
      if (found < 0) return false;
      position = found + segment.length;
    }
    return true;
  };
}

/** One-off match; prefer `compileGlob` when the pattern is reused. */
export const globMatch = (pattern: string, value: string): boolean => compileGlob(pattern)(value);
