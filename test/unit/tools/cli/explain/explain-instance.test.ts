import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../../../shared/policy/load-policy.js';
import { explainInstance } from '../../../../../tools/cli/explain/explain-instance.js';
import { parseTagArgs } from '../../../../../tools/cli/explain/tag-args.js';

const policy = (top: string) =>
  loadPolicy(
    `version: 1\n${top}allowedRoles: [EcsAppRole, EcsOldRole]\nrules:\n  - name: app\n    when: { tags: { team: app } }\n    role: EcsAppRole\n`,
  ).policy;

const outcome = (top: string, currentRole: string | null) =>
  explainInstance(policy(top), { regionId: 'cn-hangzhou', tags: { team: 'app' }, currentRole }).outcome;

describe('explainInstance: the outcome follows the function’s own plan', () => {
  it.each<[string, string, string | null, object]>([
    ['no role', '', null, { outcome: 'attached', role: 'EcsAppRole', rule: 'app' }],
    ['the same role', '', 'EcsAppRole', { outcome: 'already-correct', role: 'EcsAppRole', rule: 'app' }],
    ['another role, keep', '', 'Other', { outcome: 'conflict', previousRole: 'Other' }],
    [
      'a managed role, replace-managed',
      'onExistingRole: replace-managed\n',
      'EcsOldRole',
      { outcome: 'replaced', role: 'EcsAppRole', previousRole: 'EcsOldRole' },
    ],
    [
      'a foreign role, replace-managed',
      'onExistingRole: replace-managed\n',
      'Other',
      { outcome: 'conflict' },
    ],
    [
      'a foreign role, replace',
      'onExistingRole: replace\n',
      'Other',
      { outcome: 'replaced', previousRole: 'Other' },
    ],
    ['no role, dry-run', 'mode: dry-run\n', null, { outcome: 'would-attach', role: 'EcsAppRole' }],
    [
      'another role, dry-run replace',
      'mode: dry-run\nonExistingRole: replace\n',
      'Other',
      { outcome: 'would-replace' },
    ],
  ])('%s', (_what, top, currentRole, expected) => {
    expect(outcome(top, currentRole)).toMatchObject(expected);
  });

  it('reports no-rule for tags no rule matches, with every rule explained', () => {
    const result = explainInstance(policy(''), { regionId: 'cn-hangzhou', tags: {}, currentRole: null });
    expect(result.outcome).toEqual({ outcome: 'no-rule' });
    expect(result.notMatched).toEqual([
      {
        rule: 'app',
        index: 0,
        mismatches: [{ kind: 'tag-absent', key: 'team', condition: { kind: 'equals', value: 'app' } }],
      },
    ]);
  });
});

describe('parseTagArgs', () => {
  it('splits at the first "=", so values may hold more of them or be empty', () => {
    expect(parseTagArgs(['team=payments', 'url=a=b', 'empty='])).toEqual({
      tags: { team: 'payments', url: 'a=b', empty: '' },
    });
  });

  it('keeps odd keys as data, not object structure', () => {
    const parsed = parseTagArgs(['__proto__=x', 'constructor=y']);
    expect('tags' in parsed && Object.hasOwn(parsed.tags, '__proto__')).toBe(true);
    expect('tags' in parsed && Object.getPrototypeOf(parsed.tags)).toBe(Object.prototype);
  });

  it.each([
    [['team'], '--tags "team" has no "=" (a tag is key=value; the value may be empty)'],
    [['=x'], '--tags "=x" has no key before "=" (a tag is key=value)'],
    [['a=1', 'a=2'], '--tags: the tag "a" is given twice'],
  ])('refuses %j', (args, problem) => {
    expect(parseTagArgs(args)).toEqual({ problem });
  });
});

describe('explainInstance: accounts', () => {
  const withAccounts = policy('accounts:\n  - { id: "2000000000000001" }\n');

  it('skips an account the policy does not list, consulting no rule', () => {
    const result = explainInstance(withAccounts, {
      regionId: 'cn-hangzhou',
      accountId: '3000000000000002',
      tags: { team: 'app' },
      currentRole: null,
    });
    expect(result.outcome).toEqual({ outcome: 'skipped', reason: 'account' });
    expect(result.outsideAccount).toEqual({
      reason: 'account',
      accountId: '3000000000000002',
      accounts: ['2000000000000001'],
    });
    expect(result.accountId).toBe('3000000000000002');
  });

  it('decides as usual in a listed account', () => {
    const result = explainInstance(withAccounts, {
      regionId: 'cn-hangzhou',
      accountId: '2000000000000001',
      tags: { team: 'app' },
      currentRole: null,
    });
    expect(result.outcome).toEqual({ outcome: 'attached', role: 'EcsAppRole', rule: 'app' });
  });
});
