/**
 * A policy turned into what `decide` runs: sets instead of lists, glob patterns compiled once. Kept in a WeakMap
 * keyed by the (frozen) Policy object, so the public `Policy` type stays plain data and the compiled form lives
 * exactly as long as the policy does.
 */
import { compileGlob, type GlobMatcher } from './glob.js';
import type { Policy, Rule, TagCondition } from './policy.js';

/** Tests one tag: its value, or `undefined` when the instance does not have the tag. */
export type TagTest = (value: string | undefined) => boolean;

export interface CompiledRule {
  readonly rule: Rule;
  readonly tagKeys: readonly string[];
  /** Same order as `tagKeys`. */
  readonly tagTests: readonly TagTest[];
  readonly regions: ReadonlySet<string> | undefined;
  readonly accounts: ReadonlySet<string> | undefined;
}

export interface CompiledPolicy {
  readonly allowedRoles: ReadonlySet<string>;
  /** Lower-cased allowed role → the role, to explain a refusal caused by the wrong case. */
  readonly allowedRolesByLowerCase: ReadonlyMap<string, string>;
  readonly regions: ReadonlySet<string> | undefined;
  /** `accounts:` by id, each with its own regions (undefined: the policy's); undefined when not listed. */
  readonly accounts: ReadonlyMap<string, ReadonlySet<string> | undefined> | undefined;
  readonly rules: readonly CompiledRule[];
}

function compileCondition(condition: TagCondition, globs: Map<string, GlobMatcher>): TagTest {
  switch (condition.kind) {
    case 'equals': {
      const expected = condition.value;
      return (value) => value === expected;
    }
    case 'any-of': {
      const values = new Set(condition.values);
      return (value) => value !== undefined && values.has(value);
    }
    case 'glob': {
      let matcher = globs.get(condition.pattern);
      if (matcher === undefined) {
        matcher = compileGlob(condition.pattern);
        globs.set(condition.pattern, matcher);
      }
      const matches = matcher;
      return (value) => value !== undefined && matches(value);
    }
    case 'present':
      return condition.present ? (value) => value !== undefined : (value) => value === undefined;
  }
}

function compile(policy: Policy): CompiledPolicy {
  const globs = new Map<string, GlobMatcher>();
  const rules = policy.rules.map((rule): CompiledRule => {
    const entries = Object.entries(rule.when.tags);
    return {
      rule,
      tagKeys: entries.map(([key]) => key),
      tagTests: entries.map(([, condition]) => compileCondition(condition, globs)),
      regions: rule.when.regions === undefined ? undefined : new Set(rule.when.regions),
      accounts: rule.when.accounts === undefined ? undefined : new Set(rule.when.accounts),
    };
  });
  return {
    allowedRoles: new Set(policy.allowedRoles),
    allowedRolesByLowerCase: new Map(policy.allowedRoles.map((role) => [role.toLowerCase(), role])),
    regions: policy.regions === undefined ? undefined : new Set(policy.regions),
    accounts:
      policy.accounts === undefined
        ? undefined
        : new Map(
            policy.accounts.map((a) => [a.id, a.regions === undefined ? undefined : new Set(a.regions)]),
          ),
    rules,
  };
}

const cache = new WeakMap<Policy, CompiledPolicy>();

/**
 * The compiled form of a policy, built on first use. `loadPolicy` freezes what it returns, so the cache cannot go
 * stale; a hand-built Policy must not be mutated after it was first passed to `decide`.
 */
export function compiledPolicy(policy: Policy): CompiledPolicy {
  let compiled = cache.get(policy);
  if (compiled === undefined) {
    compiled = compile(policy);
    cache.set(policy, compiled);
  }
  return compiled;
}
