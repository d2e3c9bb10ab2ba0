/**
 * Why the policy decides what it decides for an instance: the decision (exactly `decide`'s), the rule that made
 * it, and for every rule before that one each condition that did not hold. Pure; the tests run the same tag
 * tests as `decide` (the compiled policy), so an explanation cannot disagree with the decision it explains.
 */
import { compiledPolicy } from './compiled-policy.js';
import { decide, tagValue } from './decide.js';
import type { Decision, InstanceFacts, Policy, TagCondition } from './policy.js';
import { type OutOfScope, outOfScope } from './scope.js';

/** One condition of a rule that did not hold for the instance. */
export type Mismatch =
  /** The rule is limited to `regions` and the instance is elsewhere. */
  | { kind: 'region'; regionId: string; regions: readonly string[] }
  /** The rule is limited to `accounts` and the instance is in another (or its account is not known). */
  | { kind: 'account'; accountId: string | undefined; accounts: readonly string[] }
  /** The rule needs the tag (any value condition, or `present: true`) and the instance does not have it. */
  | { kind: 'tag-absent'; key: string; condition: TagCondition }
  /** `present: false`, but the instance has the tag. */
  | { kind: 'tag-present'; key: string; value: string }
  | { kind: 'value-differs'; key: string; value: string; expected: string }
  | { kind: 'value-not-in-list'; key: string; value: string; values: readonly string[] }
  | { kind: 'glob-mismatch'; key: string; value: string; pattern: string };

export interface RuleTrace {
  rule: string;
  index: number;
  /** Every condition that failed, in the rule's order (regions first, then accounts, then tags). Never empty. */
  mismatches: Mismatch[];
}

export interface Explanation {
  decision: Decision;
  /** Set when the instance is outside the policy's `regions`: no rule was consulted. */
  outsideRegions?: { regionId: string; regions: readonly string[] };
  /**
   * Set when the instance is outside the policy's scope for its account: an account `accounts:` does not list,
   * or a region outside that account's `regions`. No rule was consulted.
   */
  outsideAccount?: OutOfScope;
  /** The rule that decided, when one matched. */
  decidedBy?: { rule: string; index: number };
  /** The rules before the deciding one (all rules when none matched), each with why it did not match. */
  notMatched: RuleTrace[];
}

function mismatch(key: string, condition: TagCondition, value: string | undefined): Mismatch {
  if (value === undefined) return { kind: 'tag-absent', key, condition };
  switch (condition.kind) {
    case 'present':
      return { kind: 'tag-present', key, value };
    case 'equals':
      return { kind: 'value-differs', key, value, expected: condition.value };
    case 'any-of':
      return { kind: 'value-not-in-list', key, value, values: condition.values };
    case 'glob':
      return { kind: 'glob-mismatch', key, value, pattern: condition.pattern };
  }
}

export function explain(policy: Policy, facts: InstanceFacts): Explanation {
  const decision = decide(policy, facts);
  const compiled = compiledPolicy(policy);
  const outside = outOfScope(policy, facts);
  if (outside?.reason === 'region' && outside.of === 'policy') {
    return {
      decision,
      outsideRegions: { regionId: facts.regionId, regions: policy.regions ?? [] },
      notMatched: [],
    };
  }
  if (outside !== undefined) return { decision, outsideAccount: outside, notMatched: [] };
  const notMatched: RuleTrace[] = [];
  for (const [index, candidate] of compiled.rules.entries()) {
    const { rule } = candidate;
    const mismatches: Mismatch[] = [];
    if (candidate.regions !== undefined && !candidate.regions.has(facts.regionId)) {
      mismatches.push({ kind: 'region', regionId: facts.regionId, regions: rule.when.regions ?? [] });
    }
    if (
      candidate.accounts !== undefined &&
      (facts.accountId === undefined || !candidate.accounts.has(facts.accountId))
    ) {
      mismatches.push({ kind: 'account', accountId: facts.accountId, accounts: rule.when.accounts ?? [] });
    }
    candidate.tagKeys.forEach((key, i) => {
      const value = tagValue(facts.tags, key);
      const condition = rule.when.tags[key];
      if (condition !== undefined && candidate.tagTests[i]?.(value) === false) {
        mismatches.push(mismatch(key, condition, value));
      }
    });
    if (mismatches.length === 0) return { decision, decidedBy: { rule: rule.name, index }, notMatched };
    notMatched.push({ rule: rule.name, index, mismatches });
  }
  return { decision, notMatched };
}
