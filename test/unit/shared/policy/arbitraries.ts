/** fast-check generators for policies and instances, shared by the policy property tests. */
import fc from 'fast-check';

// Small pools make rules and tags collide often, so that rules actually match; the hostile entries are there to
// break things: wrong case, names of roles the policy does not allow, odd keys, long and non-BMP strings.
export const ROLES = ['EcsAppRole', 'EcsPaymentsRole', 'AdminRole', 'a.b-c', 'ecsapprole', 'ECSAPPROLE'];
export const TAG_KEYS = ['team', 'env', 'app', 'ram-role', 'owner', 'constructor', 'toString'];
export const TAG_VALUES = ['prod', 'dev', '', 'build-1', 'payments', ...ROLES];
export const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'];

export const hostileString = fc.oneof(
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

export const roleName = fc.oneof(fc.constantFrom(...ROLES), fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/));
export const tagKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TAG_KEYS) },
  fc.stringMatching(/^[a-z:/-]{1,20}$/),
);
export const exactValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TAG_VALUES) },
  fc.string({ maxLength: 12 }).filter((v) => !/[*?\p{Cc}]/u.test(v)),
);
export const globValue = fc
  .array(fc.constantFrom('a', 'b', '-', '*', '?', 'build', 'prod', '.'), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(''));

/** The YAML form of a tag condition. */
export const condition = fc.oneof(
  exactValue,
  globValue,
  fc.array(exactValue, { minLength: 1, maxLength: 4 }),
  fc.boolean().map((present) => ({ present })),
);

export const when = fc.record(
  {
    tags: fc.dictionary(tagKey, condition, { maxKeys: 3, noNullPrototype: true }),
    regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1 }),
  },
  { requiredKeys: [] },
);

/** Documents that pass validation: rule roles come from allowedRoles. */
export const policyDocument = fc.uniqueArray(roleName, { minLength: 1, maxLength: 4 }).chain((allowedRoles) =>
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
export const tagMap = fc
  .array(fc.tuple(fc.oneof(tagKey, hostileString), fc.oneof(fc.constantFrom(...TAG_VALUES), hostileString)), {
    maxLength: 8,
  })
  .map((entries): Record<string, string> => Object.fromEntries(entries));

export const instance = fc.record({
  instanceId: fc.constant('i-bp1aaaaaaaaaaaaaaaa1'),
  regionId: fc.oneof(fc.constantFrom(...REGIONS), hostileString),
  tags: tagMap,
});
