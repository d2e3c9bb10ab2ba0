/**
 * The policy decision for one instance: pure, no I/O, never throws for any tag map. Least privilege is enforced
 * here as well as at load: whatever a rule or a tag says, `attach` only ever names a role in `allowedRoles`.
 */
import { isRoleName, ROLE_NAME } from '../ecs/ids.js';
import { type CompiledPolicy, type CompiledRule, compiledPolicy } from './compiled-policy.js';
import { quote, truncate } from './display.js';
import type { Decision, InstanceFacts, Policy, Rule } from './policy.js';
import { inCompiledScope, outOfScope } from './scope.js';

/** Refused role values are echoed into results and logs; a valid role name is at most 64 characters. */
const MAX_ECHOED_ROLE = 64;

/** A tag's value, or `undefined` if absent; own properties only (a tag map is untrusted data, not an object). */
export function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  if (!Object.hasOwn(tags, key)) return undefined;
  const value: unknown = tags[key];
  return typeof value === 'string' ? value : undefined;
}

function matches(compiled: CompiledRule, facts: InstanceFacts): boolean {
  if (compiled.regions !== undefined && !compiled.regions.has(facts.regionId)) return false;
  if (
    compiled.accounts !== undefined &&
    (facts.accountId === undefined || !compiled.accounts.has(facts.accountId))
  )
    return false;
  const { tagKeys, tagTests } = compiled;
  for (let i = 0; i < tagKeys.length; i++) {
    const key = tagKeys[i];
    const test = tagTests[i];
    if (key === undefined || test === undefined || !test(tagValue(facts.tags, key))) return false;
  }
  return true;
}

function refuse(rule: Rule, role: string, reason: string): Decision {
  return { action: 'refused', role: truncate(role, MAX_ECHOED_ROLE), rule: rule.name, reason };
}

/** Attaches `role` only if the policy allows it; `origin` says where the name came from, for the refusal. */
function attachIfAllowed(policy: CompiledPolicy, rule: Rule, role: string, origin: string): Decision {
  if (policy.allowedRoles.has(role)) return { action: 'attach', role, rule: rule.name };
  const sameButCase = policy.allowedRolesByLowerCase.get(role.toLowerCase());
  const hint =
    sameButCase === undefined
      ? ''
      : ` (role names are case-sensitive; allowedRoles has ${quote(sameButCase)})`;
  return refuse(rule, role, `${origin} ${quote(role, MAX_ECHOED_ROLE)}, which is not in allowedRoles${hint}`);
}

function roleFromTag(policy: CompiledPolicy, rule: Rule, tagKey: string, facts: InstanceFacts): Decision {
  const value = tagValue(facts.tags, tagKey);
  const tag = `tag ${quote(tagKey)}`;
  if (value === undefined) return refuse(rule, '', `${tag} is absent, so it names no role`);
  if (value === '') return refuse(rule, '', `${tag} is empty, so it names no role`);
  if (!isRoleName(value)) {
    return refuse(
      rule,
      value,
      `${tag} holds ${quote(value, MAX_ECHOED_ROLE)}, which is not a valid RAM role name (${ROLE_NAME.source})`,
    );
  }
  return attachIfAllowed(policy, rule, value, `${tag} names`);
}

export function decide(policy: Policy, facts: InstanceFacts): Decision {
  const compiled = compiledPolicy(policy);
  if (!inCompiledScope(compiled, facts))
    return { action: 'skip', reason: outOfScope(policy, facts)?.reason ?? 'region' };
  for (const candidate of compiled.rules) {
    if (!matches(candidate, facts)) continue;
    const { rule } = candidate;
    const { effect } = rule;
    switch (effect.kind) {
      case 'skip':
        return { action: 'skip', reason: 'policy', rule: rule.name };
      case 'role':
        // Re-checked although loadPolicy rejects it: a hand-built Policy must not get around least privilege.
        return attachIfAllowed(compiled, rule, effect.role, 'the rule names');
      case 'role-from-tag':
        return roleFromTag(compiled, rule, effect.tagKey, facts);
    }
  }
  return { action: 'no-rule' };
}
