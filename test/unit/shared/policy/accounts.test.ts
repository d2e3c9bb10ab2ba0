import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../../shared/policy/decide.js';
import { explain } from '../../../../shared/policy/explain.js';
import { lintPolicy } from '../../../../shared/policy/lint-policy.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { formatIssue, PolicyError } from '../../../../shared/policy/policy-error.js';
import { outOfScope } from '../../../../shared/policy/scope.js';

const A = '1111111111111111';
const B = '2222222222222222';
const C = '3333333333333333';

const ACCOUNTS = [
  'accounts:',
  `  - { id: "${A}", name: central }`,
  `  - { id: "${B}", regions: [cn-shanghai] }`,
  `  - id: "${C}"`,
].join('\n');

const doc = (rules: string, top = `${ACCOUNTS}\n`) =>
  `version: 1\nallowedRoles: [EcsAppRole, EcsBuildRole]\nregions: [cn-hangzhou, cn-shanghai]\n${top}rules:\n${rules}`;

const RULES = [
  '  - name: build-in-c',
  `    when: { tags: { app: build }, accounts: ["${C}"] }`,
  '    role: EcsBuildRole',
  '  - name: app',
  '    when: { tags: { app: { present: true } } }',
  '    role: EcsAppRole',
  '',
].join('\n');

const policy = loadPolicy(doc(RULES), 'accounts.yaml').policy;
const facts = (
  accountId: string | undefined,
  regionId = 'cn-shanghai',
  tags: Record<string, string> = { app: 'build' },
) => ({
  instanceId: 'i-aaaaaaaaaaaaaaaa',
  regionId,
  tags,
  ...(accountId === undefined ? {} : { accountId }),
});

function issues(text: string): string[] {
  try {
    loadPolicy(text, 'bad.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

describe('policy accounts', () => {
  it('loads accounts with optional names and regions, and rule account conditions', () => {
    expect(policy.accounts).toEqual([
      { id: A, name: 'central' },
      { id: B, regions: ['cn-shanghai'] },
      { id: C },
    ]);
    expect(policy.rules[0]?.when).toEqual({
      tags: { app: { kind: 'equals', value: 'build' } },
      accounts: [C],
    });
  });

  it('reports bad entries by field, all at once', () => {
    const bad = doc(
      '  - name: r\n    when: { accounts: [12, "x1"] }\n    role: EcsAppRole\n',
      `accounts:\n  - { id: "${A}" }\n  - { id: "${A}", nick: x }\n  - { name: y }\n`,
    );
    expect(issues(bad)).toEqual([
      'field "accounts[1].nick": unknown key (allowed in an account: id, name, regions)',
      'field "accounts[2].id": is required',
      'rule "r" (rules[0]) field "when.accounts[0]": must be an account id (digits, quoted: "1234567890123456"), not 12 (quote it if you mean the text: "12")',
      'rule "r" (rules[0]) field "when.accounts[1]": must be an account id: digits only, like "1234567890123456"',
    ]);
  });

  it('refuses an account listed twice and an empty list', () => {
    expect(issues(doc(RULES, `accounts:\n  - { id: "${A}" }\n  - { id: "${A}" }\n`))).toEqual([
      `field "accounts[1].id": "${A}" is listed twice (also at [0]); account ids must be unique`,
    ]);
    expect(issues(doc(RULES, 'accounts: []\n'))).toEqual([
      'field "accounts": must not be empty (leave it out for a single account)',
    ]);
  });

  it('skips an unlisted or unknown account with reason account, before any rule', () => {
    expect(decide(policy, facts('4444444444444444'))).toEqual({ action: 'skip', reason: 'account' });
    expect(decide(policy, facts(undefined))).toEqual({ action: 'skip', reason: 'account' });
  });

  it("narrows an account's regions within the policy's", () => {
    expect(decide(policy, facts(B, 'cn-hangzhou'))).toEqual({ action: 'skip', reason: 'region' });
    expect(decide(policy, facts(B, 'cn-shanghai'))).toMatchObject({ action: 'attach', role: 'EcsAppRole' });
    expect(outOfScope(policy, { regionId: 'cn-hangzhou', accountId: B })).toEqual({
      reason: 'region',
      regionId: 'cn-hangzhou',
      regions: ['cn-shanghai'],
      of: 'account',
    });
  });

  it('scopes a rule to its accounts', () => {
    expect(decide(policy, facts(C))).toEqual({ action: 'attach', role: 'EcsBuildRole', rule: 'build-in-c' });
    expect(decide(policy, facts(A))).toEqual({ action: 'attach', role: 'EcsAppRole', rule: 'app' });
  });

  it('explains the account condition of each rule that did not match', () => {
    const result = explain(policy, facts(A));
    expect(result.notMatched).toEqual([
      { rule: 'build-in-c', index: 0, mismatches: [{ kind: 'account', accountId: A, accounts: [C] }] },
    ]);
    expect(explain(policy, facts('4444444444444444')).outsideAccount).toMatchObject({ reason: 'account' });
  });

  it('warns about rule accounts the policy does not list', () => {
    const rules = `  - name: partly\n    when: { accounts: ["${A}", "9999999999999999"] }\n    role: EcsAppRole\n  - name: never\n    when: { accounts: ["9999999999999999"] }\n    role: EcsBuildRole\n`;
    const warnings = lintPolicy(loadPolicy(doc(rules)).policy).map(formatIssue);
    expect(warnings).toContain(
      'rule "partly" (rules[0]) field "when.accounts": lists accounts that are not in the policy\'s accounts, which never match: 9999999999999999',
    );
    expect(warnings).toContain(
      'rule "never" (rules[1]) field "when.accounts": can never match: none of its accounts (9999999999999999) is in the policy\'s accounts',
    );
  });

  it('does not call a later rule unreachable when the earlier one is limited to other accounts', () => {
    const rules = `  - name: a-only\n    when: { accounts: ["${A}"] }\n    role: EcsAppRole\n  - name: rest\n    when: {}\n    role: EcsBuildRole\n`;
    expect(lintPolicy(loadPolicy(doc(rules)).policy).filter((w) => w.kind === 'unreachable')).toEqual([]);
  });

  it("warns about an account's regions outside the policy's", () => {
    const top = `accounts:\n  - { id: "${A}", regions: [cn-beijing, cn-shanghai] }\n`;
    expect(lintPolicy(loadPolicy(doc(RULES.replace(C, A), top)).policy).map(formatIssue)).toContain(
      `field "accounts[0].regions": account "${A}" lists regions outside the policy's regions, which never match: cn-beijing`,
    );
  });

  it('property: outside the listed accounts nothing is ever attached; inside, explain agrees with decide', () => {
    const account = fc.oneof(
      fc.constantFrom(A, B, C),
      fc.stringMatching(/^\d{1,20}$/),
      fc.constant(undefined),
    );
    const region = fc.constantFrom('cn-hangzhou', 'cn-shanghai', 'cn-beijing');
    const tags = fc.dictionary(fc.constantFrom('app', 'team'), fc.constantFrom('build', 'web', ''));
    fc.assert(
      fc.property(account, region, tags, (accountId, regionId, t) => {
        const f = facts(accountId, regionId, t);
        const decision = decide(policy, f);
        if (accountId === undefined || ![A, B, C].includes(accountId)) {
          expect(decision).toEqual({ action: 'skip', reason: 'account' });
        }
        expect(explain(policy, f).decision).toEqual(decision);
      }),
    );
  });
});
