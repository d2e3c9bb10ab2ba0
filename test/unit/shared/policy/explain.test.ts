import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decide } from '../../../../shared/policy/decide.js';
import { explain, type Mismatch } from '../../../../shared/policy/explain.js';
import { globMatch } from '../../../../shared/policy/glob.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import type { InstanceFacts, Policy } from '../../../../shared/policy/policy.js';
import { instance, policyDocument } from './arbitraries.js';

const POLICY = loadPolicy(
  [
    'version: 1',
    'allowedRoles: [EcsAppRole, EcsPaymentsRole, EcsBuildAgentRole]',
    'regions: [cn-hangzhou, cn-shanghai]',
    'rules:',
    '  - name: opt-out',
    '    when: { tags: { "ram-role-attacher/skip": "true" } }',
    '    skip: true',
    '  - name: payments',
    '    when: { tags: { team: payments, env: [prod, staging] } }',
    '    role: EcsPaymentsRole',
    '  - name: build-agents',
    '    when: { tags: { app: "build-*" }, regions: [cn-hangzhou] }',
    '    role: EcsBuildAgentRole',
    '  - name: untagged',
    '    when: { tags: { team: { present: false } } }',
    '    skip: true',
    '',
  ].join('\n'),
).policy;

const facts = (tags: Record<string, string>, regionId = 'cn-hangzhou'): InstanceFacts => ({
  instanceId: 'i-bp1aaaaaaaaaaaaaaaa1',
  regionId,
  tags,
});

describe('explain', () => {
  it('names the deciding rule and why each earlier rule did not match', () => {
    const result = explain(POLICY, facts({ team: 'payments', env: 'dev', app: 'build-7' }));
    expect(result.decision).toEqual({ action: 'attach', role: 'EcsBuildAgentRole', rule: 'build-agents' });
    expect(result.decidedBy).toEqual({ rule: 'build-agents', index: 2 });
    expect(result.notMatched).toEqual([
      {
        rule: 'opt-out',
        index: 0,
        mismatches: [
          { kind: 'tag-absent', key: 'ram-role-attacher/skip', condition: { kind: 'equals', value: 'true' } },
        ],
      },
      {
        rule: 'payments',
        index: 1,
        mismatches: [{ kind: 'value-not-in-list', key: 'env', value: 'dev', values: ['prod', 'staging'] }],
      },
    ]);
  });

  it.each<[string, InstanceFacts, number, Mismatch[]]>([
    [
      'a region outside the rule',
      facts({ app: 'build-7', team: 'x' }, 'cn-shanghai'),
      2,
      [{ kind: 'region', regionId: 'cn-shanghai', regions: ['cn-hangzhou'] }],
    ],
    [
      'a value that differs',
      facts({ 'ram-role-attacher/skip': 'yes', team: 'x' }),
      0,
      [{ kind: 'value-differs', key: 'ram-role-attacher/skip', value: 'yes', expected: 'true' }],
    ],
    [
      'a glob that does not match',
      facts({ app: 'web', team: 'x' }),
      2,
      [{ kind: 'glob-mismatch', key: 'app', value: 'web', pattern: 'build-*' }],
    ],
    [
      'present: false, but present',
      facts({ team: 'x' }),
      3,
      [{ kind: 'tag-present', key: 'team', value: 'x' }],
    ],
    [
      'every failed condition of one rule, not only the first',
      facts({ team: 'web', env: 'dev' }),
      1,
      [
        { kind: 'value-differs', key: 'team', value: 'web', expected: 'payments' },
        { kind: 'value-not-in-list', key: 'env', value: 'dev', values: ['prod', 'staging'] },
      ],
    ],
  ])('explains %s', (_what, instanceFacts, index, mismatches) => {
    const trace = explain(POLICY, instanceFacts).notMatched.find((t) => t.index === index);
    expect(trace?.mismatches).toEqual(mismatches);
  });

  it('lists every rule when none matched', () => {
    const result = explain(POLICY, facts({ team: 'web' }));
    expect(result.decision).toEqual({ action: 'no-rule' });
    expect(result.decidedBy).toBeUndefined();
    expect(result.notMatched.map((t) => t.rule)).toEqual(['opt-out', 'payments', 'build-agents', 'untagged']);
  });

  it('consults no rule for an instance outside the policy regions', () => {
    const result = explain(POLICY, facts({ team: 'payments' }, 'cn-beijing'));
    expect(result).toEqual({
      decision: { action: 'skip', reason: 'region' },
      outsideRegions: { regionId: 'cn-beijing', regions: ['cn-hangzhou', 'cn-shanghai'] },
      notMatched: [],
    });
  });

  /** Each mismatch is true of the instance: re-checked from the raw condition, not from the compiled tests. */
  function checkMismatch(policy: Policy, f: InstanceFacts, index: number, m: Mismatch): void {
    const rule = policy.rules[index];
    const value = (key: string) => (Object.hasOwn(f.tags, key) ? f.tags[key] : undefined);
    switch (m.kind) {
      case 'region':
        expect(rule?.when.regions).not.toContain(f.regionId);
        return;
      case 'tag-absent':
        expect(value(m.key)).toBeUndefined();
        return;
      case 'tag-present':
        expect(rule?.when.tags[m.key]).toEqual({ kind: 'present', present: false });
        expect(value(m.key)).toBe(m.value);
        return;
      case 'value-differs':
        expect(value(m.key)).not.toBe(m.expected);
        return;
      case 'value-not-in-list':
        expect(m.values).not.toContain(value(m.key));
        return;
      case 'glob-mismatch':
        expect(globMatch(m.pattern, m.value)).toBe(false);
        return;
    }
  }

  it('never contradicts decide, and every reason it gives is true (random policies and hostile tags)', () => {
    fc.assert(
      fc.property(
        policyDocument,
        fc.array(instance, { minLength: 1, maxLength: 6 }),
        (document, instances) => {
          const { policy } = loadPolicy(stringify(document));
          for (const f of instances) {
            const result = explain(policy, f);
            const decision = decide(policy, f);
            expect(result.decision).toEqual(decision);
            if ('rule' in decision) expect(result.decidedBy?.rule).toBe(decision.rule);
            else expect(result.decidedBy).toBeUndefined();
            const last = result.decidedBy?.index ?? (result.outsideRegions ? 0 : policy.rules.length);
            expect(result.notMatched.map((t) => t.index)).toEqual([...Array(last).keys()]);
            for (const trace of result.notMatched) {
              expect(trace.mismatches.length).toBeGreaterThan(0);
              for (const m of trace.mismatches) checkMismatch(policy, f, trace.index, m);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
