/**
 * The shape of `policy.yaml`, as zod/mini schemas over the plain data the YAML parser returns. Cross-field rules
 * (a rule's `role` must be in `allowedRoles`, exactly one of `role`/`roleFromTag`/`skip`, unique rule names) need
 * the whole document and live in `load-policy.ts`; each rule is parsed on its own so one broken rule does not
 * hide the issues of the others.
 *
 * Document keys:
 * - `version: 1` (required)
 * - `mode: enforce | dry-run` (default `enforce`)
 * - `onExistingRole: keep | replace-managed | replace` (default `keep`)
 * - `reportConflicts: bool` (default `false`; an addition to the design: when true, `conflict` outcomes, i.e.
 *   instances whose other role the policy keeps, are also written to the dead-letter queue as `kind: "conflict"`)
 * - `allowedRoles`: non-empty list of unique RAM role names; nothing outside it is ever attached
 * - `regions`: optional non-empty list of Alibaba Cloud region ids (`shared/ecs/regions.ts`); instances elsewhere
 *   are skipped
 * - `accounts`: optional non-empty list of `{id, name?, regions?}` (account ids as quoted digits, unique); when
 *   set, instances of other accounts are skipped (reason `account`), and an account's `regions` narrow the
 *   policy's for its instances
 * - `rules`: ordered, non-empty list; the first rule whose `when` matches decides
 *
 * Rule keys: `name` (unique), `when: { tags?, regions?, accounts? }` (required; `when: {}` is a catch-all), and exactly one
 * of `role`, `roleFromTag`, `skip: true`.
 *
 * Tag conditions: a string (exact, or a glob when it has `*` or `?`), a non-empty list of strings (any of; each
 * element is an exact value, and `*`/`?` in a list element are rejected rather than silently taken literally, so
 * that lists may become globs later without changing the meaning of a valid policy), or `{present: true|false}`.
 * Strings only: YAML numbers and booleans are rejected (quote them, `"true"`), since tag values are strings.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID, isRoleName } from '../ecs/ids.js';
import { isAlibabaCloudRegion, unknownRegionMessage } from '../ecs/regions.js';
import { quote } from './display.js';
import { hasGlobMeta } from './glob.js';
import type { RuleCondition, TagCondition } from './policy.js';

/** Bounds that keep a broken or hostile file from costing unbounded memory or time. */
export const POLICY_LIMITS = {
  /** Characters of YAML text. */
  maxDocumentLength: 1_048_576,
  /** YAML alias expansions (the `yaml` package's `maxAliasCount`): stops "billion laughs" documents. */
  maxAliasCount: 100,
  maxRules: 1_000,
  maxAllowedRoles: 1_000,
  maxRegions: 100,
  /** Entries of `accounts:` and of one rule's `when.accounts` (a Resource Directory holds up to a few thousand). */
  maxAccounts: 5_000,
  maxAccountNameLength: 128,
  /** Tag conditions in one `when` (an ECS instance has at most 20 tags; presence tests may add some). */
  maxTagConditions: 64,
  maxAnyOfValues: 100,
  /** Alibaba Cloud tag limits. */
  maxTagKeyLength: 128,
  maxTagValueLength: 128,
  maxRuleNameLength: 64,
} as const;

/** Rule names: they appear in logs, results and dead-letter records, so keep them plain. */
export const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const CONTROL = /\p{Cc}/u;

interface IssueInput {
  input?: unknown;
}

/**
 * Messages for a value of the wrong type or a missing one; checks carry their own messages. `textAllowed`: a
 * string would have been accepted, so a YAML number or boolean probably wanted quotes.
 */
const expected =
  (what: string, options: { whenMissing?: string; textAllowed?: boolean } = {}) =>
  (issue: IssueInput): string => {
    if (issue.input === undefined) return options.whenMissing ?? 'is required';
    const scalar = typeof issue.input === 'number' || typeof issue.input === 'boolean';
    const hint =
      options.textAllowed && scalar ? ` (quote it if you mean the text: "${String(issue.input)}")` : '';
    return `must be ${what}, not ${quote(issue.input)}${hint}`;
  };

export const isMapping = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Reports each repeated element of a list at its own index, naming the first occurrence. */
const unique =
  (what: string) =>
  (ctx: z.core.ParsePayload<string[]>): void => {
    const seen = new Map<string, number>();
    ctx.value.forEach((item, index) => {
      const first = seen.get(item);
      if (first === undefined) seen.set(item, index);
      else
        ctx.issues.push({
          code: 'custom',
          input: item,
          path: [index],
          message: `${quote(item)} is listed twice (also at [${first}]); ${what} must be unique`,
        });
    });
  };

export const roleNameSchema = z.string({ error: expected('a RAM role name') }).check(
  z.refine(isRoleName, {
    error: (issue) =>
      `${quote(issue.input)} is not a valid RAM role name (1–64 letters, digits, "." and "-")`,
  }),
);

/** A real region id, at build and at cold start alike: a misspelt one would silently skip a whole region. */
export const regionIdSchema = z.string({ error: expected('a region id') }).check(
  z.refine(isAlibabaCloudRegion, {
    error: (issue) => unknownRegionMessage(String(issue.input), quote(issue.input)),
  }),
);

export const regionListSchema = z
  .array(regionIdSchema, { error: expected('a list of region ids') })
  .check(
    z.minLength(1, 'must not be empty (leave it out to match every region)'),
    z.maxLength(POLICY_LIMITS.maxRegions, `must list at most ${POLICY_LIMITS.maxRegions} regions`),
    unique('regions'),
  );

/** An account id (UID): digits, as events and ARNs spell it (quote it in YAML so it stays text). */
export const accountIdSchema = z
  .string({ error: expected('an account id (digits, quoted: "1234567890123456")', { textAllowed: true }) })
  .check(z.regex(ACCOUNT_ID, 'must be an account id: digits only, like "1234567890123456"'));

export const accountListSchema = z
  .array(accountIdSchema, { error: expected('a list of account ids') })
  .check(
    z.minLength(1, 'must not be empty (leave it out to match every account)'),
    z.maxLength(POLICY_LIMITS.maxAccounts, `must list at most ${POLICY_LIMITS.maxAccounts} accounts`),
    unique('account ids'),
  );

/** One entry of the document's `accounts:`. */
export const accountEntrySchema = z.strictObject(
  {
    id: accountIdSchema,
    name: z.optional(
      z.string({ error: expected('a name') }).check(
        z.minLength(1, 'must not be empty (leave it out)'),
        z.maxLength(
          POLICY_LIMITS.maxAccountNameLength,
          `has at most ${POLICY_LIMITS.maxAccountNameLength} characters`,
        ),
        z.refine((value) => !CONTROL.test(value), 'must not contain control characters'),
      ),
    ),
    regions: z.optional(regionListSchema),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown key (allowed in an account: id, name, regions)'
        : expected('a mapping (id, name, regions)')(issue),
  },
);

/** Reports each account id listed twice at its own index. */
const uniqueAccountIds = (ctx: z.core.ParsePayload<{ id: string }[]>): void => {
  const seen = new Map<string, number>();
  ctx.value.forEach((account, index) => {
    const first = seen.get(account.id);
    if (first === undefined) seen.set(account.id, index);
    else
      ctx.issues.push({
        code: 'custom',
        input: account.id,
        path: [index, 'id'],
        message: `${quote(account.id)} is listed twice (also at [${first}]); account ids must be unique`,
      });
  });
};

export const accountsSchema = z
  .array(accountEntrySchema, { error: expected('a list of accounts ({id, name?, regions?})') })
  .check(
    z.minLength(1, 'must not be empty (leave it out for a single account)'),
    z.maxLength(POLICY_LIMITS.maxAccounts, `must list at most ${POLICY_LIMITS.maxAccounts} accounts`),
    uniqueAccountIds,
  );

export const tagKeySchema = z.string({ error: expected('a tag key') }).check(
  z.minLength(1, 'a tag key must not be empty'),
  z.maxLength(
    POLICY_LIMITS.maxTagKeyLength,
    `a tag key has at most ${POLICY_LIMITS.maxTagKeyLength} characters`,
  ),
  z.refine((key) => !CONTROL.test(key), 'a tag key must not contain control characters'),
  // JavaScript objects cannot hold this key safely (it would be dropped or change the prototype).
  z.refine((key) => key !== '__proto__', 'the tag key "__proto__" is not supported'),
);

const tagValueSchema = (what: string) =>
  z.string({ error: expected(what) }).check(
    z.maxLength(
      POLICY_LIMITS.maxTagValueLength,
      `a tag value has at most ${POLICY_LIMITS.maxTagValueLength} characters, so this can never match`,
    ),
    z.refine((value) => !CONTROL.test(value), 'must not contain control characters'),
  );

const exactOrGlobSchema = z.pipe(
  tagValueSchema('a tag value'),
  z.transform(
    (value): TagCondition =>
      hasGlobMeta(value) ? { kind: 'glob', pattern: value } : { kind: 'equals', value },
  ),
);

const anyOfSchema = z.pipe(
  z
    .array(
      tagValueSchema('a tag value').check(
        z.refine(
          (value) => !hasGlobMeta(value),
          'list elements are exact values; "*" and "?" are not allowed in a list (use a single glob, or one rule per pattern)',
        ),
      ),
    )
    .check(
      z.minLength(1, 'an empty list matches nothing; list at least one value'),
      z.maxLength(POLICY_LIMITS.maxAnyOfValues, `a list has at most ${POLICY_LIMITS.maxAnyOfValues} values`),
    ),
  z.transform((values): TagCondition => ({ kind: 'any-of', values })),
);

const presentSchema = z.pipe(
  z.strictObject(
    { present: z.boolean({ error: expected('true or false') }) },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? 'unknown key (the only key of a condition mapping is "present")'
          : expected('{present: true|false}')(issue),
    },
  ),
  z.transform(({ present }): TagCondition => ({ kind: 'present', present })),
);

/** Re-raises the issues of a sub-schema chosen by the input's type, under `path`. */
function parseInto<T>(
  schema: z.ZodMiniType<T>,
  input: unknown,
  issues: z.core.$ZodRawIssue[],
  path: PropertyKey[] = [],
): T | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = [...path, ...issue.path];
    // Re-raised as custom issues (zod's typed issues do not carry over); unknown keys get one issue each.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const keyPath = key === undefined ? at : [...at, key];
      issues.push({ code: 'custom', input: issue.input, path: keyPath, message: issue.message });
    }
  }
  return undefined;
}

/** Dispatches on the YAML type so each shape gets a precise message (a zod union would only say "invalid"). */
export const tagConditionSchema = z.transform((input: unknown, ctx): TagCondition => {
  const schema: z.ZodMiniType<TagCondition> | undefined =
    typeof input === 'string'
      ? exactOrGlobSchema
      : Array.isArray(input)
        ? anyOfSchema
        : isMapping(input)
          ? presentSchema
          : undefined;
  if (schema === undefined) {
    const message = expected('a string, a list of strings, or {present: true|false}', { textAllowed: true })({
      input,
    });
    ctx.issues.push({ code: 'custom', input, message });
    return z.NEVER;
  }
  return parseInto(schema, input, ctx.issues) ?? z.NEVER;
});

/** `key: condition` pairs; parsed by hand because `z.record` silently drops a `__proto__` key. */
export const tagConditionsSchema = z.transform((input: unknown, ctx): Record<string, TagCondition> => {
  if (!isMapping(input)) {
    ctx.issues.push({
      code: 'custom',
      input,
      message: expected('a mapping of tag key to condition')({ input }),
    });
    return z.NEVER;
  }
  const entries = Object.entries(input);
  if (entries.length > POLICY_LIMITS.maxTagConditions) {
    ctx.issues.push({
      code: 'custom',
      input,
      message: `at most ${POLICY_LIMITS.maxTagConditions} tag conditions in one rule`,
    });
    return z.NEVER;
  }
  const conditions: [string, TagCondition][] = [];
  for (const [key, value] of entries) {
    parseInto(tagKeySchema, key, ctx.issues, [key]);
    const condition = parseInto(tagConditionSchema, value, ctx.issues, [key]);
    if (condition !== undefined) conditions.push([key, condition]);
  }
  return Object.fromEntries(conditions);
});

export const whenSchema = z.pipe(
  z.strictObject(
    {
      tags: z.optional(tagConditionsSchema),
      regions: z.optional(regionListSchema),
      accounts: z.optional(accountListSchema),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? 'unknown key (allowed in "when": tags, regions, accounts)'
          : expected('a mapping', { whenMissing: 'is required (use "when: {}" to match every instance)' })(
              issue,
            ),
    },
  ),
  z.transform(
    ({ tags, regions, accounts }): RuleCondition => ({
      tags: tags ?? {},
      ...(regions === undefined ? {} : { regions }),
      ...(accounts === undefined ? {} : { accounts }),
    }),
  ),
);

export const ruleNameSchema = z
  .string({ error: expected('a string') })
  .check(
    z.regex(RULE_NAME, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  );

/** One rule; which of `role` / `roleFromTag` / `skip` is present is checked on the raw rule by the loader. */
export const ruleSchema = z.strictObject(
  {
    name: ruleNameSchema,
    when: whenSchema,
    role: z.optional(roleNameSchema),
    roleFromTag: z.optional(tagKeySchema),
    skip: z.optional(
      z.literal(true, {
        error: (issue) =>
          issue.input === false
            ? '"skip: false" is not allowed; remove it (a rule that does not skip needs role or roleFromTag)'
            : expected('true')(issue),
      }),
    ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown key (allowed in a rule: name, when, role, roleFromTag, skip)'
        : expected('a mapping (a rule)')(issue),
  },
);
export type RuleDocument = z.output<typeof ruleSchema>;

/** The document without its rules' contents: `rules` is only checked to be a bounded list here. */
export const documentSchema = z.strictObject(
  {
    version: z.literal(1, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required (version: 1)'
          : `unsupported version ${quote(issue.input)}; this release understands version 1`,
    }),
    mode: z._default(
      z.enum(['enforce', 'dry-run'], { error: expected('"enforce" or "dry-run"') }),
      'enforce',
    ),
    onExistingRole: z._default(
      z.enum(['keep', 'replace-managed', 'replace'], {
        error: expected('"keep", "replace-managed" or "replace"'),
      }),
      'keep',
    ),
    reportConflicts: z._default(z.boolean({ error: expected('true or false') }), false),
    allowedRoles: z
      .array(roleNameSchema, { error: expected('a list of RAM role names') })
      .check(
        z.minLength(1, 'must list at least one role (nothing can be attached otherwise)'),
        z.maxLength(
          POLICY_LIMITS.maxAllowedRoles,
          `must list at most ${POLICY_LIMITS.maxAllowedRoles} roles`,
        ),
        unique('allowedRoles'),
      ),
    regions: z.optional(regionListSchema),
    accounts: z.optional(accountsSchema),
    rules: z
      .array(z.unknown(), { error: expected('a list of rules') })
      .check(
        z.minLength(1, 'must hold at least one rule'),
        z.maxLength(POLICY_LIMITS.maxRules, `must hold at most ${POLICY_LIMITS.maxRules} rules`),
      ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown key (allowed: version, mode, onExistingRole, reportConflicts, allowedRoles, regions, accounts, rules)'
        : expected('a mapping')(issue),
  },
);
export type PolicyDocument = z.output<typeof documentSchema>;
