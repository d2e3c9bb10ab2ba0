/**
 * Warnings about rules that can never decide anything. Conservative: a warning is only given when it is certain
 * that every instance a rule matches is matched by an earlier rule (first match wins) or lies outside the
 * policy's regions or accounts. Rules that merely overlap are normal and never warned about.
 */
import { compileGlob } from './glob.js';
import type { Policy, Rule, TagCondition } from './policy.js';
import type { PolicyIssue } from './policy-error.js';
import { regionInScope } from './scope.js';

/** A pattern of only `*` matches every value, the empty one included: the same as `{present: true}`. */
const matchesAnyValue = (pattern: string): boolean => /^\*+$/.test(pattern);

/** Whether every value (or absence) that satisfies `later` also satisfies `earlier`. */
function implies(later: TagCondition, earlier: TagCondition): boolean {
  switch (earlier.kind) {
    case 'present':
      // equals, any-of and glob all require the tag to be present.
      return earlier.present
        ? later.kind !== 'present' || later.present
        : later.kind === 'present' && !later.present;
    case 'equals':
      if (later.kind === 'equals') return later.value === earlier.value;
      return later.kind === 'any-of' && later.values.every((value) => value === earlier.value);
    case 'any-of': {
      const values = new Set(earlier.values);
      if (later.kind === 'equals') return values.has(later.value);
      return later.kind === 'any-of' && later.values.every((value) => values.has(value));
    }
    case 'glob': {
      if (matchesAnyValue(earlier.pattern)) return later.kind !== 'present' || later.present;
      // Glob-in-glob containment is undecidable cheaply in general; identical patterns are enough to be sure.
      if (later.kind === 'glob') return later.pattern === earlier.pattern;
      const matcher = compileGlob(earlier.pattern);
      if (later.kind === 'equals') return matcher(later.value);
      return later.kind === 'any-of' && later.values.every(matcher);
    }
  }
}

/** Regions a rule can match in, within the policy's scope; `undefined` means every region. */
export function effectiveRegions(policy: Policy, rule: Rule): ReadonlySet<string> | undefined {
  const { regions } = rule.when;
  if (regions === undefined) return policy.regions === undefined ? undefined : new Set(policy.regions);
  return new Set(regions.filter((regionId) => regionInScope(policy, regionId)));
}

/** Accounts a rule can match in, within the policy's `accounts:`; `undefined` means every account. */
export function effectiveAccounts(policy: Policy, rule: Rule): ReadonlySet<string> | undefined {
  const { accounts } = rule.when;
  const scope = policy.accounts === undefined ? undefined : new Set(policy.accounts.map((a) => a.id));
  if (accounts === undefined) return scope;
  return new Set(scope === undefined ? accounts : accounts.filter((id) => scope.has(id)));
}

/** Whether every element of `later` is in `earlier`, where `undefined` is everything. */
function within(earlier: ReadonlySet<string> | undefined, later: ReadonlySet<string> | undefined): boolean {
  if (earlier === undefined) return true;
  if (later === undefined) return false;
  for (const item of later) if (!earlier.has(item)) return false;
  return true;
}

/** Whether `earlier` matches every instance that `later` matches. */
function covers(policy: Policy, earlier: Rule, later: Rule): boolean {
  if (!within(effectiveAccounts(policy, earlier), effectiveAccounts(policy, later))) return false;
  const earlierRegions = effectiveRegions(policy, earlier);
  if (earlierRegions !== undefined) {
    const laterRegions = effectiveRegions(policy, later);
    if (laterRegions === undefined) return false;
    for (const region of laterRegions) if (!earlierRegions.has(region)) return false;
  }
  for (const [key, condition] of Object.entries(earlier.when.tags)) {
    // A condition the later rule does not constrain (even `present: true`) can fail where the later rule holds.
    if (!Object.hasOwn(later.when.tags, key)) return false;
    const laterCondition = later.when.tags[key];
    if (laterCondition === undefined || !implies(laterCondition, condition)) return false;
  }
  return true;
}

const label = (rule: Rule, index: number): string => `rule ${JSON.stringify(rule.name)} (rules[${index}])`;

const isCatchAll = (rule: Rule): boolean =>
  rule.when.regions === undefined &&
  rule.when.accounts === undefined &&
  Object.keys(rule.when.tags).length === 0;

/** A rule that can never decide, or part of one that can never match: located like a load issue. */
export interface UnreachableRule extends PolicyIssue {
  rule: string;
  ruleIndex: number;
  /** True when the whole rule can never match (not only some of its regions). */
  never: boolean;
}

/** Every rule (or region of a rule) that can never match, in rule order. */
export function unreachableRules(policy: Policy): UnreachableRule[] {
  const found: UnreachableRule[] = [];
  const accountScope = policy.accounts === undefined ? undefined : new Set(policy.accounts.map((a) => a.id));
  policy.rules.forEach((rule, index) => {
    const at = { rule: rule.name, ruleIndex: index };
    const accounts = rule.when.accounts;
    if (accountScope !== undefined && accounts !== undefined) {
      const unlisted = accounts.filter((id) => !accountScope.has(id));
      if (unlisted.length === accounts.length) {
        found.push({
          ...at,
          field: 'when.accounts',
          never: true,
          message: `can never match: none of its accounts (${accounts.join(', ')}) is in the policy's accounts`,
        });
        return;
      }
      if (unlisted.length > 0) {
        found.push({
          ...at,
          field: 'when.accounts',
          never: false,
          message: `lists accounts that are not in the policy's accounts, which never match: ${unlisted.join(', ')}`,
        });
      }
    }
    const regions = rule.when.regions;
    if (policy.regions !== undefined && regions !== undefined) {
      const outside = regions.filter((regionId) => !regionInScope(policy, regionId));
      if (outside.length === regions.length) {
        found.push({
          ...at,
          field: 'when.regions',
          never: true,
          message: `can never match: none of its regions (${regions.join(', ')}) is in the policy's regions`,
        });
        return;
      }
      if (outside.length > 0) {
        found.push({
          ...at,
          field: 'when.regions',
          never: false,
          message: `lists regions outside the policy's regions, which never match: ${outside.join(', ')}`,
        });
      }
    }
    for (let earlier = 0; earlier < index; earlier++) {
      const candidate = policy.rules[earlier];
      if (candidate === undefined || !covers(policy, candidate, rule)) continue;
      const why = isCatchAll(candidate)
        ? 'matches every instance (its "when" is empty)'
        : 'matches every instance it matches';
      found.push({
        ...at,
        field: 'when',
        never: true,
        message: `can never match: earlier ${label(candidate, earlier)} ${why}`,
      });
      return;
    }
  });
  return found;
}
