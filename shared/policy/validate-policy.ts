/**
 * A parsed policy document → a validated, frozen Policy, or a PolicyError listing every issue at once (a person
 * fixing the file should not have to run the validator once per mistake). Knows nothing of YAML (`load-policy.ts`
 * parses it). A cold start whose policy the build validated (`parsed-policy.ts`) loads neither this nor a YAML parser.
 */
import type * as z from 'zod/mini';
import { deepFreeze } from '../collections/deep-freeze.js';
import { isRoleName } from '../ecs/ids.js';
import { compiledPolicy } from './compiled-policy.js';
import { quote } from './display.js';
import { formatPath } from './field-path.js';
import { lintPolicy, type PolicyWarning } from './lint-policy.js';
import type { Policy, PolicyAccount, Rule, RuleEffect } from './policy.js';
import { formatIssue, PolicyError, type PolicyIssue } from './policy-error.js';
import { documentSchema, isMapping, POLICY_LIMITS, RULE_NAME, ruleSchema } from './policy-schema.js';

export interface LoadedPolicy {
  policy: Policy;
  /** Problems that do not make the policy unsafe, e.g. a rule that can never match (`lint-policy.ts`). */
  findings: PolicyWarning[];
  /** The same, one line each: `rule "b" (rules[1]) field "when": can never match: …`. */
  warnings: string[];
}

type FieldIssue = Pick<PolicyIssue, 'field' | 'message'>;

function fromZod(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const { path } = issue;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: formatPath([...path, key]), message: issue.message }));
    }
    return [{ field: formatPath(path), message: issue.message }];
  });
}

/** The valid names of a broken `allowedRoles`, so rules can still be checked against it; none → skip the check. */
function usableRoles(raw: unknown): ReadonlySet<string> | undefined {
  const roles = Array.isArray(raw) ? raw.filter(isRoleName) : [];
  return roles.length === 0 ? undefined : new Set(roles);
}

const describeDocument = (value: unknown): string =>
  value === null || value === undefined ? 'empty' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;

/** The effect keys a raw rule has; `skip: false` is reported by the schema, not counted here. */
const EFFECT_KEYS = ['role', 'roleFromTag', 'skip'] as const;

interface RuleContext {
  allowedRoles: ReadonlySet<string> | undefined;
  /** Rule name → index of its first use. */
  names: Map<string, number>;
  issues: PolicyIssue[];
}

function notAllowedMessage(role: string, allowedRoles: ReadonlySet<string>): string {
  const lower = role.toLowerCase();
  const sameButCase = [...allowedRoles].find((allowed) => allowed.toLowerCase() === lower);
  const hint =
    sameButCase === undefined ? '' : ` (role names are case-sensitive; did you mean ${quote(sameButCase)}?)`;
  return `${quote(role)} is not in allowedRoles${hint}`;
}

function parseRule(raw: unknown, index: number, context: RuleContext): Rule | undefined {
  const name =
    isMapping(raw) && typeof raw.name === 'string' && RULE_NAME.test(raw.name) ? raw.name : undefined;
  const at: Pick<PolicyIssue, 'rule' | 'ruleIndex'> =
    name === undefined ? { ruleIndex: index } : { rule: name, ruleIndex: index };
  const before = context.issues.length;
  const report = (field: string, message: string): void => {
    context.issues.push({ ...at, field, message });
  };

  // Each rule is parsed once per cold start: zod's generated fast path would cost more to compile than it saves.
  const parsed = ruleSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) for (const issue of fromZod(parsed.error)) report(issue.field, issue.message);
  if (!isMapping(raw)) return undefined;

  if (name !== undefined) {
    const first = context.names.get(name);
    if (first === undefined) context.names.set(name, index);
    else report('name', `duplicate rule name; rules[${first}] is also named ${quote(name)}`);
  }

  const effects = EFFECT_KEYS.filter(
    (key) => Object.hasOwn(raw, key) && !(key === 'skip' && raw.skip === false),
  );
  if (effects.length !== 1) {
    const has = effects.length === 0 ? 'none of them' : effects.join(' and ');
    const field = effects.length === 0 ? EFFECT_KEYS.join(' / ') : effects.join(' / ');
    report(field, `a rule needs exactly one of role, roleFromTag or skip: true; this one has ${has}`);
  }

  // Checked on the raw value so that it is reported even when other fields of the rule are broken.
  if (context.allowedRoles !== undefined && isRoleName(raw.role) && !context.allowedRoles.has(raw.role)) {
    report('role', notAllowedMessage(raw.role, context.allowedRoles));
  }

  if (!parsed.success || context.issues.length > before) return undefined;
  const { role, roleFromTag, when } = parsed.data;
  const effect: RuleEffect =
    role !== undefined
      ? { kind: 'role', role }
      : roleFromTag !== undefined
        ? { kind: 'role-from-tag', tagKey: roleFromTag }
        : { kind: 'skip' };
  return { name: parsed.data.name, when, effect };
}

/** Drops the keys YAML left out, so a policy compares equal to its parse (no `name: undefined`). */
function toPolicyAccount(account: {
  id: string;
  name?: string | undefined;
  regions?: string[] | undefined;
}): PolicyAccount {
  return {
    id: account.id,
    ...(account.name === undefined ? {} : { name: account.name }),
    ...(account.regions === undefined ? {} : { regions: account.regions }),
  };
}

/**
 * Validates a parsed policy document (the YAML already turned into plain values). Throws PolicyError (code
 * `InvalidPolicy`, permanent) listing every issue; `yamlWarnings` are the parser's, reported with the lint's.
 */
export function validatePolicy(
  value: unknown,
  yamlWarnings: readonly PolicyWarning[],
  source?: string,
): LoadedPolicy {
  if (!isMapping(value)) {
    const message = `the document must be a mapping (version, allowedRoles, rules, ...), not ${describeDocument(value)}`;
    throw new PolicyError([{ field: '', message }], source);
  }

  const issues: PolicyIssue[] = [];
  const document = documentSchema.safeParse(value, { jitless: true });
  if (!document.success) issues.push(...fromZod(document.error));

  // Rules are parsed one by one even when the rest of the document is broken, to report everything at once.
  const rules: Rule[] = [];
  const rawRules = value.rules;
  if (Array.isArray(rawRules) && rawRules.length <= POLICY_LIMITS.maxRules) {
    const allowedRoles = document.success
      ? new Set(document.data.allowedRoles)
      : usableRoles(value.allowedRoles);
    const context: RuleContext = { allowedRoles, names: new Map(), issues };
    rawRules.forEach((raw: unknown, index) => {
      const rule = parseRule(raw, index, context);
      if (rule !== undefined) rules.push(rule);
    });
  }
  if (!document.success || issues.length > 0) throw new PolicyError(issues, source);

  const { version, mode, onExistingRole, reportConflicts, allowedRoles, regions, accounts } = document.data;
  const policy: Policy = deepFreeze({
    version,
    mode,
    onExistingRole,
    reportConflicts,
    allowedRoles,
    ...(regions === undefined ? {} : { regions }),
    ...(accounts === undefined ? {} : { accounts: accounts.map(toPolicyAccount) }),
    rules,
  });
  compiledPolicy(policy);
  const findings = [...yamlWarnings, ...lintPolicy(policy)];
  return { policy, findings, warnings: findings.map(formatIssue) };
}
