/**
 * Warnings about a valid policy: nothing here makes it unsafe (that is `loadPolicy`'s job), but each is almost
 * certainly not what its author meant. Pure, and certain rather than guessing: a warning is only given when the
 * problem is proven on the policy itself.
 *
 * - `unreachable`: a rule that can never match (an earlier rule always wins, or its regions are outside the
 *   policy's), or regions of a rule that never match (`unreachable-rules.ts`).
 * - `unused-role`: a role in `allowedRoles` that no rule can attach: no rule that can match names it in `role`,
 *   and no rule that can match uses `roleFromTag`. The function's role is still granted `ram:PassRole` on it.
 * - `glob-overlap`: a later rule B competes with an earlier rule A on tag key K, where A's condition on K is a
 *   glob, so that which one decides depends on their order and the earlier glob wins. Precisely: some value of K
 *   satisfies both A's and B's conditions on K; A's glob is not contained in B's condition on K (A is not simply
 *   the more specific rule placed first, which is the intended way to order rules); A and B can match one
 *   instance (their conditions on every other key they share have a common value, and their regions
 *   intersect); they decide differently (another role, or skip against a role); and B can match at all (else it
 *   is `unreachable`). The warning names an example value.
 * - `closed-region`: a region id of a region Alibaba Cloud has shut down.
 * - `unreachable` also covers accounts: a rule's `when.accounts` not in the policy's `accounts:` (when listed),
 *   and an account's `regions` outside the policy's `regions`.
 */
import { findRegion } from '../ecs/regions.js';
import { commonValue, globWithin } from './condition-overlap.js';
import { quote } from './display.js';
import { formatPath } from './field-path.js';
import type { Policy, Rule, RuleEffect, TagCondition } from './policy.js';
import type { PolicyIssue } from './policy-error.js';
import { effectiveAccounts, effectiveRegions, unreachableRules } from './unreachable-rules.js';

export type WarningKind = 'yaml' | 'unreachable' | 'unused-role' | 'glob-overlap' | 'closed-region';

/** A warning, located like a load issue (rule, index, field). */
export interface PolicyWarning extends PolicyIssue {
  kind: WarningKind;
}

const ruleLabel = (rule: Rule, index: number): string =>
  `rule ${JSON.stringify(rule.name)} (rules[${index}])`;

function describeEffect(effect: RuleEffect): string {
  switch (effect.kind) {
    case 'role':
      return `role ${effect.role}`;
    case 'role-from-tag':
      return `the role its tag ${quote(effect.tagKey)} names`;
    case 'skip':
      return 'skip';
  }
}

const sameEffect = (a: RuleEffect, b: RuleEffect): boolean =>
  (a.kind === 'role' && b.kind === 'role' && a.role === b.role) ||
  (a.kind === 'role-from-tag' && b.kind === 'role-from-tag' && a.tagKey === b.tagKey) ||
  (a.kind === 'skip' && b.kind === 'skip');

function describeCondition(condition: TagCondition): string {
  switch (condition.kind) {
    case 'equals':
      return quote(condition.value);
    case 'glob':
      return quote(condition.pattern);
    case 'any-of':
      return `one of [${condition.values.map((value) => quote(value)).join(', ')}]`;
    case 'present':
      return `{present: ${condition.present}}`;
  }
}

/** Whether some instance can satisfy both rules' conditions on every key but `except`, and both regions. */
function canMeet(policy: Policy, a: Rule, b: Rule, except: string): boolean {
  const regionsA = effectiveRegions(policy, a);
  const regionsB = effectiveRegions(policy, b);
  if (regionsA !== undefined && regionsB !== undefined && ![...regionsA].some((r) => regionsB.has(r))) {
    return false;
  }
  const accountsA = effectiveAccounts(policy, a);
  const accountsB = effectiveAccounts(policy, b);
  if (accountsA !== undefined && accountsB !== undefined && ![...accountsA].some((x) => accountsB.has(x))) {
    return false;
  }
  for (const [key, condition] of Object.entries(a.when.tags)) {
    if (key === except || !Object.hasOwn(b.when.tags, key)) continue;
    const other = b.when.tags[key];
    if (other !== undefined && commonValue(condition, other) === undefined) return false;
  }
  return true;
}

function globOverlaps(policy: Policy, never: ReadonlySet<number>): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  policy.rules.forEach((later, index) => {
    if (never.has(index)) return;
    for (const [key, condition] of Object.entries(later.when.tags)) {
      for (let e = 0; e < index; e++) {
        const earlier = policy.rules[e];
        const glob = earlier === undefined ? undefined : earlier.when.tags[key];
        if (earlier === undefined || glob?.kind !== 'glob' || !Object.hasOwn(earlier.when.tags, key))
          continue;
        if (sameEffect(earlier.effect, later.effect) || globWithin(glob.pattern, condition)) continue;
        const common = commonValue(glob, condition);
        if (common === undefined || !canMeet(policy, earlier, later, key)) continue;
        const example = common.value === undefined ? '' : ` such as ${quote(common.value)}`;
        warnings.push({
          kind: 'glob-overlap',
          rule: later.name,
          ruleIndex: index,
          field: formatPath(['when', 'tags', key]),
          message:
            `overlaps earlier ${ruleLabel(earlier, e)} on tag ${quote(key)}: a value${example} matches both ` +
            `${describeCondition(glob)} and ${describeCondition(condition)}, so the earlier rule decides those ` +
            `instances (${describeEffect(earlier.effect)}, not ${describeEffect(later.effect)}); put the more ` +
            'specific rule first, or narrow the glob',
        });
        break;
      }
    }
  });
  return warnings;
}

function unusedRoles(policy: Policy, never: ReadonlySet<number>): PolicyWarning[] {
  const live = policy.rules.filter((_, index) => !never.has(index));
  if (live.some((rule) => rule.effect.kind === 'role-from-tag')) return [];
  const named = new Set(live.flatMap((rule) => (rule.effect.kind === 'role' ? [rule.effect.role] : [])));
  const managed =
    policy.onExistingRole === 'replace-managed'
      ? '; it still counts as managed (replace-managed replaces it), so keep it only for that'
      : '; remove it';
  return policy.allowedRoles.flatMap((role, index) =>
    named.has(role)
      ? []
      : [
          {
            kind: 'unused-role' as const,
            field: `allowedRoles[${index}]`,
            message:
              `${quote(role)} is allowed, but no rule can attach it (no rule that can match names it in "role", ` +
              `and none uses roleFromTag); the function's role would still be granted ram:PassRole on it${managed}`,
          },
        ],
  );
}

function closedRegions(policy: Policy): PolicyWarning[] {
  const warn = (regions: readonly string[] | undefined, at: Partial<PolicyIssue>, prefix: string) =>
    (regions ?? []).flatMap((id, index) => {
      const region = findRegion(id);
      if (region?.closed !== true) return [];
      return [
        {
          kind: 'closed-region' as const,
          ...at,
          field: `${prefix}[${index}]`,
          message: `${quote(id)} is ${region.name}, a region Alibaba Cloud has closed: no instance can be there`,
        },
      ];
    });
  return [
    ...warn(policy.regions, {}, 'regions'),
    ...(policy.accounts ?? []).flatMap((account, index) =>
      warn(account.regions, {}, `accounts[${index}].regions`),
    ),
    ...policy.rules.flatMap((rule, index) =>
      warn(rule.when.regions, { rule: rule.name, ruleIndex: index }, 'when.regions'),
    ),
  ];
}

/** An account's regions outside the policy's `regions`: its instances there are skipped whatever it says. */
function accountRegionsOutside(policy: Policy): PolicyWarning[] {
  const scope = policy.regions === undefined ? undefined : new Set(policy.regions);
  if (scope === undefined) return [];
  return (policy.accounts ?? []).flatMap((account, index) => {
    const outside = (account.regions ?? []).filter((region) => !scope.has(region));
    if (outside.length === 0) return [];
    return [
      {
        kind: 'unreachable' as const,
        field: `accounts[${index}].regions`,
        message: `account ${quote(account.id)} lists regions outside the policy's regions, which never match: ${outside.join(', ')}`,
      },
    ];
  });
}

/** Every warning about a valid policy: the document's first, then each rule's in rule order. */
export function lintPolicy(policy: Policy): PolicyWarning[] {
  const unreachable = unreachableRules(policy);
  const never = new Set(unreachable.filter((found) => found.never).map((found) => found.ruleIndex));
  const warnings: PolicyWarning[] = [
    ...unusedRoles(policy, never),
    ...closedRegions(policy),
    ...accountRegionsOutside(policy),
    ...unreachable.map(({ never: _, ...found }): PolicyWarning => ({ kind: 'unreachable', ...found })),
    ...globOverlaps(policy, never),
  ];
  const order = (warning: PolicyWarning): number => warning.ruleIndex ?? -1;
  return warnings
    .map((warning, position) => ({ warning, position }))
    .sort((a, b) => order(a.warning) - order(b.warning) || a.position - b.position)
    .map(({ warning }) => warning);
}
