import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isRoleName } from '../../../../shared/ecs/ids.js';
import { decide } from '../../../../shared/policy/decide.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import type { Decision, InstanceFacts, Policy, TagCondition } from '../../../../shared/policy/policy.js';
import { PolicyError } from '../../../../shared/policy/policy-error.js';

// Small pools make rules and tags collide often, so that rules actually match; the hostile entries are there to
// break things: wrong case, names of roles the policy does not allow, odd keys, long and non-BMP strings.
const ROLES = ['EcsAppRole', 'EcsPaymentsRole', 'AdminRole', 'a.b-c', 'ecsapprole', 'ECSAPPROLE'];
const TAG_KEYS = ['team', 'env', 'app', 'ram-role', 'owner', 'constructor', 'toString'];
const TAG_VALUES = ['prod', 'dev', '', 'build-1', 'payments', ...ROLES];
const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'];

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '__proto__',
    'AdminRole ',
    ' EcsAppRole',
    'EcsAppRole\n',
    '\uD800',
    '😀',
    '*',
    'a'.repeat(5_000),
  ),
  fc.stringMatching(/^[A-Za-z0-9.-]{1,70}$/),
);

const roleName = fc.oneof(fc.constantFrom(...ROLES), fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/));
const tagKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TAG_KEYS) },
  fc.stringMatching(/^[a-z:/-]{1,20}$/),
);
const exactValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TAG_VALUES) },
  fc.string({ maxLength: 12 }).filter((v) => !/[*?\p{Cc}]/u.test(v)),
);
const globValue = fc
  .array(fc.constantFrom('a', 'b', '-', '*', '?', 'build', 'prod', '.'), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''));

/** The YAML form of a tag condition. */
const condition = fc.oneof(
  exactValue,
  globValue,
  fc.array(exactValue, { minLength: 1, maxLength: 4 }),
  fc.boolean().map((present) => ({ present })),
);

const when = fc.record(
  {
    tags: fc.dictionary(tagKey, condition, { maxKeys: 3, noNullPrototype: true }),
    regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1 }),
  },
  { requiredKeys: [] },
);

/** Documents that pass validation: rule roles come from allowedRoles. */
const policyDocument = fc.uniqueArray(roleName, { minLength: 1, maxLength: 4 }).chain((allowedRoles) =>
  fc.record(
    {
      version: fc.constant(1),
      mode: fc.constantFrom('enforce', 'dry-run'),
      allowedRoles: fc.constant(allowedRoles),
      regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1 }),
      rules: fc
        .array(
          fc.tuple(
            when,
            fc.oneof(
              fc.constantFrom(...allowedRoles).map((role) => ({ role })),
              tagKey.map((roleFromTag) => ({ roleFromTag })),
              fc.constant({ skip: true }),
            ),
          ),
          { minLength: 1, maxLength: 12 },
        )
        .map((rules) => rules.map(([w, effect], i) => ({ name: `rule-${i}`, when: w, ...effect }))),
    },
    { requiredKeys: ['version', 'allowedRoles', 'rules'] },
  ),
);

/** Tag maps from an untrusted source: any keys (`__proto__` too, as an own property), hostile values. */
const tagMap = fc
  .array(fc.tuple(fc.oneof(tagKey, hostileString), fc.oneof(fc.constantFrom(...TAG_VALUES), hostileString)), {
    maxLength: 8,
  })
  .map((entries): Record<string, string> => Object.fromEntries(entries));

const instance = fc.record({
  instanceId: fc.constant('i-bp1aaaaaaaaaaaaaaaa1'),
  regionId: fc.oneof(fc.constantFrom(...REGIONS), hostileString),
  tags: tagMap,
});

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
              (warning) => /^rule "([^"]+)" \(rules\[\d+\]\) can never match/.exec(warning)?.[1] ?? [],
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
              (warning) => /^rule "([^"]+)" \(rules\[\d+\]\) can never match/.exec(warning)?.[1] ?? [],
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
