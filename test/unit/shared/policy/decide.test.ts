import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../../shared/policy/decide.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import type { InstanceFacts, Policy } from '../../../../shared/policy/policy.js';

/** The design's policy (a fixture, not the shipped example). */
const example = loadPolicy(
  readFileSync(new URL('../../../fixtures/policies/design.yaml', import.meta.url), 'utf8'),
).policy;

const facts = (tags: Record<string, string>, regionId = 'cn-hangzhou'): InstanceFacts => ({
  instanceId: 'i-bp1aaaaaaaaaaaaaaaa1',
  regionId,
  tags,
});

/** A policy allowing EcsAppRole and EcsPaymentsRole with the given rules (YAML list items). */
const policyOf = (rules: string, top = ''): Policy =>
  loadPolicy(`version: 1\n${top}allowedRoles: [EcsAppRole, EcsPaymentsRole]\nrules:\n${rules}`).policy;

const attachWhen = (when: string): Policy =>
  policyOf(`  - name: r\n    when: ${when}\n    role: EcsAppRole\n`);
const attached = { action: 'attach', role: 'EcsAppRole', rule: 'r' };
const noRule = { action: 'no-rule' };

describe('decide: the example policy', () => {
  it.each([
    [
      'payments in prod',
      { team: 'payments', env: 'prod' },
      'cn-shanghai',
      { action: 'attach', role: 'EcsPaymentsRole', rule: 'payments' },
    ],
    [
      'opted out (first rule wins over payments)',
      { 'ram-role-attacher/skip': 'true', team: 'payments', env: 'prod' },
      'cn-hangzhou',
      { action: 'skip', reason: 'policy', rule: 'opt-out' },
    ],
    ['payments in dev (falls through to no rule)', { team: 'payments', env: 'dev' }, 'cn-hangzhou', noRule],
    [
      'a build agent in Hangzhou',
      { team: 'ci', app: 'build-linux' },
      'cn-hangzhou',
      { action: 'attach', role: 'EcsBuildAgentRole', rule: 'build-agents' },
    ],
    [
      'a build agent in Shanghai (rule scoped to Hangzhou)',
      { team: 'ci', app: 'build-linux' },
      'cn-shanghai',
      noRule,
    ],
    ['no team tag', { app: 'web' }, 'cn-hangzhou', { action: 'skip', reason: 'policy', rule: 'untagged' }],
    [
      'any instance outside the policy regions',
      { team: 'payments', env: 'prod' },
      'cn-beijing',
      { action: 'skip', reason: 'region' },
    ],
  ])('%s', (_what, tags, region, expected) => {
    expect(decide(example, facts(tags, region))).toEqual(expected);
  });
});

describe('decide: tag conditions', () => {
  it('exact values are exact and case-sensitive', () => {
    const policy = attachWhen('{ tags: { team: app } }');
    expect(decide(policy, facts({ team: 'app' }))).toEqual(attached);
    expect(decide(policy, facts({ team: 'App' }))).toEqual(noRule);
    expect(decide(policy, facts({ team: 'app ' }))).toEqual(noRule);
    expect(decide(policy, facts({ Team: 'app' }))).toEqual(noRule);
    expect(decide(policy, facts({}))).toEqual(noRule);
  });

  it('an exact empty value matches only a present, empty tag', () => {
    const policy = attachWhen('{ tags: { team: "" } }');
    expect(decide(policy, facts({ team: '' }))).toEqual(attached);
    expect(decide(policy, facts({}))).toEqual(noRule);
  });

  it('a list matches any of its values, and requires the tag', () => {
    const policy = attachWhen('{ tags: { env: [prod, staging] } }');
    expect(decide(policy, facts({ env: 'prod' }))).toEqual(attached);
    expect(decide(policy, facts({ env: 'staging' }))).toEqual(attached);
    expect(decide(policy, facts({ env: 'dev' }))).toEqual(noRule);
    expect(decide(policy, facts({ env: 'PROD' }))).toEqual(noRule);
    expect(decide(policy, facts({}))).toEqual(noRule);
  });

  it('a glob with * matches any run of characters, and requires the tag', () => {
    const policy = attachWhen('{ tags: { app: "build-*" } }');
    expect(decide(policy, facts({ app: 'build-' }))).toEqual(attached);
    expect(decide(policy, facts({ app: 'build-linux-arm64' }))).toEqual(attached);
    expect(decide(policy, facts({ app: 'Build-linux' }))).toEqual(noRule);
    expect(decide(policy, facts({ app: 'rebuild-linux' }))).toEqual(noRule);
    expect(decide(policy, facts({}))).toEqual(noRule);
  });

  it('a glob with ? matches exactly one character', () => {
    const policy = attachWhen('{ tags: { node: "n?-a" } }');
    expect(decide(policy, facts({ node: 'n1-a' }))).toEqual(attached);
    expect(decide(policy, facts({ node: 'n😀-a' }))).toEqual(attached);
    expect(decide(policy, facts({ node: 'n-a' }))).toEqual(noRule);
    expect(decide(policy, facts({ node: 'n12-a' }))).toEqual(noRule);
  });

  it('regex metacharacters in patterns and values are literal', () => {
    // YAML single quotes take backslashes literally: the pattern is  a.b+(c)[d]|^$\*
    const policy = attachWhen("{ tags: { app: 'a.b+(c)[d]|^$\\*' } }");
    expect(decide(policy, facts({ app: 'a.b+(c)[d]|^$\\' }))).toEqual(attached);
    expect(decide(policy, facts({ app: 'a.b+(c)[d]|^$\\tail' }))).toEqual(attached);
    expect(decide(policy, facts({ app: 'axb+(c)[d]|^$\\' }))).toEqual(noRule);
    expect(decide(policy, facts({ app: 'a.bb(c)[d]|^$\\' }))).toEqual(noRule);
    expect(decide(policy, facts({ app: 'a.b+(c)[d]|^$' }))).toEqual(noRule);
    const exact = attachWhen('{ tags: { app: "a.c" } }');
    expect(decide(exact, facts({ app: 'abc' }))).toEqual(noRule);
  });

  it('present: true holds for any value, the empty one included; present: false only when the tag is absent', () => {
    const present = attachWhen('{ tags: { owner: { present: true } } }');
    expect(decide(present, facts({ owner: 'x' }))).toEqual(attached);
    expect(decide(present, facts({ owner: '' }))).toEqual(attached);
    expect(decide(present, facts({}))).toEqual(noRule);
    const absent = attachWhen('{ tags: { owner: { present: false } } }');
    expect(decide(absent, facts({}))).toEqual(attached);
    expect(decide(absent, facts({ other: 'x' }))).toEqual(attached);
    expect(decide(absent, facts({ owner: '' }))).toEqual(noRule);
  });

  it('every condition of a rule must hold', () => {
    const policy = attachWhen('{ tags: { team: app, env: [prod], owner: { present: false } } }');
    expect(decide(policy, facts({ team: 'app', env: 'prod' }))).toEqual(attached);
    expect(decide(policy, facts({ team: 'app', env: 'dev' }))).toEqual(noRule);
    expect(decide(policy, facts({ team: 'app', env: 'prod', owner: 'me' }))).toEqual(noRule);
  });

  it('inherited object properties are not tags', () => {
    const policy = attachWhen('{ tags: { constructor: { present: true } } }');
    expect(decide(policy, facts({}))).toEqual(noRule);
    expect(decide(attachWhen('{ tags: { toString: { present: false } } }'), facts({}))).toEqual(attached);
  });
});

describe('decide: regions', () => {
  it('skips every instance outside the policy regions, before any rule', () => {
    const policy = policyOf(
      '  - name: all\n    when: {}\n    role: EcsAppRole\n',
      'regions: [cn-hangzhou]\n',
    );
    expect(decide(policy, facts({}, 'cn-hangzhou'))).toEqual({
      action: 'attach',
      role: 'EcsAppRole',
      rule: 'all',
    });
    expect(decide(policy, facts({}, 'cn-shanghai'))).toEqual({ action: 'skip', reason: 'region' });
  });

  it('a rule scoped to regions matches only there', () => {
    const policy = attachWhen('{ regions: [cn-hangzhou, cn-beijing] }');
    expect(decide(policy, facts({}, 'cn-beijing'))).toEqual(attached);
    expect(decide(policy, facts({}, 'cn-shanghai'))).toEqual(noRule);
  });
});

describe('decide: rule order', () => {
  it('the first matching rule wins', () => {
    const policy = policyOf(
      '  - name: first\n    when: { tags: { team: app } }\n    role: EcsAppRole\n' +
        '  - name: second\n    when: { tags: { team: app, env: prod } }\n    role: EcsPaymentsRole\n' +
        '  - name: third\n    when: {}\n    skip: true\n',
    );
    expect(decide(policy, facts({ team: 'app', env: 'prod' }))).toEqual({
      action: 'attach',
      role: 'EcsAppRole',
      rule: 'first',
    });
    expect(decide(policy, facts({ team: 'web' }))).toEqual({
      action: 'skip',
      reason: 'policy',
      rule: 'third',
    });
  });

  it('a skip rule first stops a later attach', () => {
    const policy = policyOf(
      '  - name: skip-prod\n    when: { tags: { env: prod } }\n    skip: true\n' +
        '  - name: app\n    when: { tags: { team: app } }\n    role: EcsAppRole\n',
    );
    expect(decide(policy, facts({ team: 'app', env: 'prod' }))).toEqual({
      action: 'skip',
      reason: 'policy',
      rule: 'skip-prod',
    });
    expect(decide(policy, facts({ team: 'app', env: 'dev' }))).toMatchObject({
      action: 'attach',
      rule: 'app',
    });
  });

  it('no matching rule means no action', () => {
    expect(decide(attachWhen('{ tags: { team: app } }'), facts({ team: 'web' }))).toEqual(noRule);
  });
});

describe('decide: roleFromTag', () => {
  const policy = policyOf('  - name: from-tag\n    when: {}\n    roleFromTag: ram-role\n');
  const refusal = (tags: Record<string, string>) => {
    const decision = decide(policy, facts(tags));
    if (decision.action !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
    expect(decision.rule).toBe('from-tag');
    return decision;
  };

  it('attaches the role the tag names when allowedRoles lists it', () => {
    expect(decide(policy, facts({ 'ram-role': 'EcsPaymentsRole' }))).toEqual({
      action: 'attach',
      role: 'EcsPaymentsRole',
      rule: 'from-tag',
    });
  });

  it('refuses a valid role that allowedRoles does not list', () => {
    expect(refusal({ 'ram-role': 'AdminRole' })).toEqual({
      action: 'refused',
      role: 'AdminRole',
      rule: 'from-tag',
      reason: 'tag "ram-role" names "AdminRole", which is not in allowedRoles',
    });
  });

  it('refuses an allowed role in the wrong case, and says so', () => {
    const decision = refusal({ 'ram-role': 'ecsapprole' });
    expect(decision.role).toBe('ecsapprole');
    expect(decision.reason).toBe(
      'tag "ram-role" names "ecsapprole", which is not in allowedRoles (role names are case-sensitive; allowedRoles has "EcsAppRole")',
    );
  });

  it('refuses a value that is not a valid role name', () => {
    const decision = refusal({ 'ram-role': 'EcsAppRole; rm -rf /' });
    expect(decision.role).toBe('EcsAppRole; rm -rf /');
    expect(decision.reason).toContain(
      'tag "ram-role" holds "EcsAppRole; rm -rf /", which is not a valid RAM role name',
    );
  });

  it('refuses an empty or absent tag', () => {
    expect(refusal({ 'ram-role': '' })).toMatchObject({
      role: '',
      reason: 'tag "ram-role" is empty, so it names no role',
    });
    expect(refusal({})).toMatchObject({ role: '', reason: 'tag "ram-role" is absent, so it names no role' });
  });

  it('echoes a long hostile value truncated, in the role and in the reason', () => {
    const decision = refusal({ 'ram-role': `${'A'.repeat(100_000)}😀` });
    expect(decision.role).toBe(`${'A'.repeat(64)}…`);
    expect(decision.reason.length).toBeLessThan(300);
  });
});

describe('decide: least privilege for hand-built policies', () => {
  it('refuses a role rule whose role allowedRoles does not list', () => {
    const policy: Policy = {
      version: 1,
      mode: 'enforce',
      onExistingRole: 'keep',
      reportConflicts: false,
      allowedRoles: ['EcsAppRole'],
      rules: [{ name: 'bad', when: { tags: {} }, effect: { kind: 'role', role: 'AdminRole' } }],
    };
    expect(decide(policy, facts({}))).toEqual({
      action: 'refused',
      role: 'AdminRole',
      rule: 'bad',
      reason: 'the rule names "AdminRole", which is not in allowedRoles',
    });
  });
});
