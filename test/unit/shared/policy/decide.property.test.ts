import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isRoleName } from '../../../../shared/ecs/ids.js';
import { decide } from '../../../../shared/policy/decide.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import type { Decision, InstanceFacts, Policy, TagCondition } from '../../../../shared/policy/policy.js';
import { PolicyError } from '../../../../shared/policy/policy-error.js';
import {
  globValue,
  hostileString,
  instance,
  policyDocument,
  ROLES,
  roleName,
  TAG_VALUES,
  tagKey,
} from './arbitraries.js';

/** What must hold for every decision, whatever the input. */
function checkDecision(policy: Policy, facts: InstanceFacts, decision: Decision): void {
  if (decision.action === 'attach') {
    expect(policy.allowedRoles).toContain(decision.role);
    const rule = policy.rules.find((candidate) => candidate.name === decision.rule);
    expect(rule).toBeDefined();
    if (rule?.effect.kind === 'role') expect(decision.role).toBe(rule.effect.role);
    else if (rule?.effect.kind === 'role-from-tag')
      expect(facts.tags[rule.effect.tagKey]).toBe(decision.role);
    else expect.unreachable(`a ${rule?.effect.kind} rule attached a role`);
  }
  if (decision.action === 'refused') expect(Array.from(decision.role).length).toBeLessThanOrEqual(65);
}

describe('decide: properties', () => {
  it('never attaches a role outside allowedRoles and never throws, for valid policies and hostile tags', () => {
    fc.assert(
      fc.property(
        policyDocument,
        fc.array(instance, { minLength: 1, maxLength: 5 }),
        (document, instances) => {
          const { policy } = loadPolicy(stringify(document));
          for (const facts of instances) checkDecision(policy, facts, decide(policy, facts));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never attaches a role outside allowedRoles even for hand-built policies that name other roles', () => {
    const tagCondition: fc.Arbitrary<TagCondition> = fc.oneof(
      hostileString.map((value) => ({ kind: 'equals' as const, value })),
      globValue.map((pattern) => ({ kind: 'glob' as const, pattern })),
      fc.array(fc.constantFrom(...TAG_VALUES)).map((values) => ({ kind: 'any-of' as const, values })),
      fc.boolean().map((present) => ({ kind: 'present' as const, present })),
    );
    const policy: fc.Arbitrary<Policy> = fc.record({
      version: fc.constant(1 as const),
      mode: fc.constant('enforce' as const),
      onExistingRole: fc.constant('keep' as const),
      reportConflicts: fc.boolean(),
      allowedRoles: fc.array(roleName, { maxLength: 3 }),
      // Unique names, as loadPolicy guarantees: checkDecision finds the deciding rule by its name.
      rules: fc.uniqueArray(
        fc.record({
          name: fc.string({ maxLength: 8 }),
          when: fc.record({
            tags: fc.dictionary(tagKey, tagCondition, { maxKeys: 2, noNullPrototype: true }),
          }),
          effect: fc.oneof(
            fc.oneof(roleName, hostileString).map((role) => ({ kind: 'role' as const, role })),
            tagKey.map((tagKey) => ({ kind: 'role-from-tag' as const, tagKey })),
            fc.constant({ kind: 'skip' as const }),
          ),
        }),
        { maxLength: 6, selector: (rule) => rule.name },
      ),
    });
    fc.assert(
      fc.property(policy, instance, (p, facts) => {
        checkDecision(p, facts, decide(p, facts));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a rule flagged as unreachable is never the one that decides', () => {
    fc.assert(
      fc.property(
        policyDocument,
        fc.array(instance, { minLength: 1, maxLength: 10 }),
        (document, instances) => {
          const { policy, warnings } = loadPolicy(stringify(document));
          const unreachable = new Set(
            warnings.flatMap(
              (warning) =>
                /^rule "([^"]+)" \(rules\[\d+\]\) field "[^"]*": can never match/.exec(warning)?.[1] ?? [],
            ),
          );
          for (const facts of instances) {
            const decision = decide(policy, facts);
            if ('rule' in decision) expect(unreachable.has(decision.rule)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a rule flagged as unreachable is never the one that decides (dense: two keys, few values)', () => {
    const denseCondition = fc.constantFrom<unknown>(
      'x',
      'y',
      '',
      'x*',
      '*',
      '?',
      ['x', 'y'],
      ['x'],
      { present: true },
      {
        present: false,
      },
    );
    const denseRule = fc.record(
      {
        tags: fc.dictionary(fc.constantFrom('a', 'b'), denseCondition, { noNullPrototype: true }),
        regions: fc.uniqueArray(fc.constantFrom('cn-hangzhou', 'cn-beijing'), { minLength: 1 }),
      },
      { requiredKeys: [] },
    );
    const denseDocument = fc
      .record({
        rules: fc.array(denseRule, { minLength: 2, maxLength: 4 }),
        regions: fc.option(fc.constant(['cn-hangzhou']), { nil: undefined }),
      })
      .map(({ rules, regions }) => ({
        version: 1,
        allowedRoles: ['EcsAppRole'],
        ...(regions === undefined ? {} : { regions }),
        rules: rules.map((w, i) => ({ name: `r${i}`, when: w, skip: true })),
      }));
    const denseInstance = fc.record({
      instanceId: fc.constant('i-x'),
      regionId: fc.constantFrom('cn-hangzhou', 'cn-beijing'),
      tags: fc.dictionary(fc.constantFrom('a', 'b'), fc.constantFrom('x', 'y', '', 'xz'), {
        noNullPrototype: true,
      }),
    });
    fc.assert(
      fc.property(
        denseDocument,
        fc.array(denseInstance, { minLength: 8, maxLength: 8 }),
        (document, instances) => {
          const { policy, warnings } = loadPolicy(stringify(document));
          const unreachable = new Set(
            warnings.flatMap(
              (warning) =>
                /^rule "([^"]+)" \(rules\[\d+\]\) field "[^"]*": can never match/.exec(warning)?.[1] ?? [],
            ),
          );
          for (const facts of instances) {
            const decision = decide(policy, facts);
            if ('rule' in decision) expect(unreachable.has(decision.rule)).toBe(false);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('roleFromTag attaches exactly when the tag names an allowed role', () => {
    const { policy } = loadPolicy(
      'version: 1\nallowedRoles: [EcsAppRole, a.b-c]\nrules:\n  - name: t\n    when: {}\n    roleFromTag: ram-role\n',
    );
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...ROLES), hostileString), (value) => {
        const decision = decide(policy, {
          instanceId: 'i-x',
          regionId: 'cn-hangzhou',
          tags: { 'ram-role': value },
        });
        const allowed = value === 'EcsAppRole' || value === 'a.b-c';
        expect(decision.action).toBe(allowed ? 'attach' : 'refused');
        if (decision.action === 'refused' && isRoleName(value)) expect(decision.role).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it('loadPolicy only ever throws PolicyError, whatever the text', () => {
    const validText = policyDocument.map((document) => stringify(document));
    const mangled = fc
      .tuple(validText, fc.nat(), fc.nat({ max: 20 }), fc.string({ unit: 'binary', maxLength: 10 }))
      .map(([text, at, drop, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + drop);
      });
    fc.assert(
      fc.property(fc.oneof(mangled, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        try {
          loadPolicy(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyError);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
