/**
 * Whether two tag conditions can hold for the same tag at once, with an example value when they can: the lint
 * uses it to say exactly which instances two rules compete for. Pure and exact (no sampling): glob against glob
 * is decided on the two patterns themselves.
 */
import { compileGlob } from './glob.js';
import type { TagCondition } from './policy.js';

/** A value of the tag that satisfies both conditions; `undefined` means "the tag is absent". */
export interface CommonValue {
  value: string | undefined;
}

type GlobToken = { kind: 'char'; char: string } | { kind: 'one' } | { kind: 'any' };

const tokens = (pattern: string): GlobToken[] =>
  Array.from(
    pattern,
    (char): GlobToken =>
      char === '*' ? { kind: 'any' } : char === '?' ? { kind: 'one' } : { kind: 'char', char },
  );

/**
 * The shortest value both globs match, or `undefined` when none exists. A breadth-first walk over pairs of
 * positions, one in each pattern: `*` may be skipped, and both patterns consume one character together when
 * they agree on it. At most (|a|+1)·(|b|+1) states, so a 128-character pattern pair costs ~17,000 steps.
 */
export function globIntersection(a: string, b: string): string | undefined {
  const ta = tokens(a);
  const tb = tokens(b);
  const width = tb.length + 1;
  const goal = ta.length * width + tb.length;
  const previous = new Map<number, { from: number; char: string }>([[0, { from: -1, char: '' }]]);
  const queue = [0];
  const visit = (from: number, to: number, char: string): void => {
    if (previous.has(to)) return;
    previous.set(to, { from, char });
    queue.push(to);
  };
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] ?? 0;
    if (state === goal) break;
    const i = Math.floor(state / width);
    const j = state % width;
    const x = ta[i];
    const y = tb[j];
    if (x?.kind === 'any') visit(state, state + width, '');
    if (y?.kind === 'any') visit(state, state + 1, '');
    if (x === undefined || y === undefined || (x.kind === 'any' && y.kind === 'any')) continue;
    if (x.kind === 'char' && y.kind === 'char' && x.char !== y.char) continue;
    const char = x.kind === 'char' ? x.char : y.kind === 'char' ? y.char : 'x';
    const ni = x.kind === 'any' ? i : i + 1;
    const nj = y.kind === 'any' ? j : j + 1;
    visit(state, ni * width + nj, char);
  }
  if (!previous.has(goal)) return undefined;
  const chars: string[] = [];
  for (let state = goal; state > 0; ) {
    const step = previous.get(state);
    if (step === undefined) break;
    chars.push(step.char);
    state = step.from;
  }
  return chars.reverse().join('');
}

/** A value `pattern` matches that also satisfies `other` (which is not a presence test). */
function globAgainst(pattern: string, other: TagCondition): CommonValue | undefined {
  if (other.kind === 'glob') {
    const value = globIntersection(pattern, other.pattern);
    return value === undefined ? undefined : { value };
  }
  const matches = compileGlob(pattern);
  const candidates = other.kind === 'equals' ? [other.value] : other.kind === 'any-of' ? other.values : [];
  const value = candidates.find(matches);
  return value === undefined ? undefined : { value };
}

/** A value (or absence) satisfying `{present}` and `other`. */
function withPresence(present: boolean, other: TagCondition): CommonValue | undefined {
  if (other.kind === 'present') {
    if (other.present !== present) return undefined;
    return present ? { value: 'x' } : { value: undefined };
  }
  // Every other condition needs the tag; `*` is "any value, the empty one too".
  return present ? globAgainst('*', other) : undefined;
}

/** A value satisfying both conditions, or `undefined` when no tag value (nor absence) satisfies both. */
export function commonValue(a: TagCondition, b: TagCondition): CommonValue | undefined {
  if (a.kind === 'present') return withPresence(a.present, b);
  if (b.kind === 'present') return withPresence(b.present, a);
  if (a.kind === 'glob') return globAgainst(a.pattern, b);
  if (b.kind === 'glob') return globAgainst(b.pattern, a);
  const left = a.kind === 'equals' ? [a.value] : a.kind === 'any-of' ? a.values : [];
  const right = new Set(b.kind === 'equals' ? [b.value] : b.kind === 'any-of' ? b.values : []);
  const value = left.find((candidate) => right.has(candidate));
  return value === undefined ? undefined : { value };
}

/**
 * Whether every value `pattern` matches also satisfies `condition`, judged conservatively: `true` only when it
 * is certain (a catch-all, the same glob, or a glob whose fixed prefix or suffix the pattern shares).
 */
export function globWithin(pattern: string, condition: TagCondition): boolean {
  switch (condition.kind) {
    case 'present':
      return condition.present;
    case 'equals':
    case 'any-of':
      // A glob has `*` or `?`, so it matches more than any finite list of exact values.
      return false;
    case 'glob': {
      const outer = condition.pattern;
      if (/^\*+$/.test(outer) || outer === pattern) return true;
      const prefix = /^([^*?]*)\*$/.exec(outer)?.[1];
      if (
        prefix !== undefined &&
        !/[*?]/.test(pattern.slice(0, prefix.length)) &&
        pattern.startsWith(prefix)
      ) {
        return true;
      }
      const suffix = /^\*([^*?]*)$/.exec(outer)?.[1];
      return (
        suffix !== undefined &&
        pattern.length >= suffix.length &&
        !/[*?]/.test(pattern.slice(pattern.length - suffix.length)) &&
        pattern.endsWith(suffix)
      );
    }
  }
}
