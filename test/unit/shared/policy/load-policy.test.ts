import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { formatIssue, PolicyError } from '../../../../shared/policy/policy-error.js';

/** The policy the build ships; only the first test reads it, so editing it cannot break the others. */
const SHIPPED_POLICY = new URL('../../../../policy.yaml', import.meta.url);
/** The design's policy, a fixture of the tests' own. */
const DESIGN_POLICY = new URL('../../../fixtures/policies/design.yaml', import.meta.url);

/** A valid document with `rules` (YAML, indented by two) and extra top-level lines. */
const doc = (rules: string, top = ''): string =>
  `version: 1\n${top}allowedRoles: [EcsAppRole, EcsPaymentsRole]\nrules:\n${rules}`;

const OK_RULE = '  - name: app\n    when: { tags: { team: app } }\n    role: EcsAppRole\n';

/** The unreachable-rule warnings alone (the other lint warnings: lint-policy.test.ts). */
const unreachableWarnings = (text: string): string[] =>
  loadPolicy(text)
    .findings.filter((finding) => finding.kind === 'unreachable')
    .map(formatIssue);

/** The PolicyError thrown for `text` (fails the test if it loads). */
function rejection(text: string): PolicyError {
  try {
    loadPolicy(text, 'test.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('the policy loaded, but it should have been rejected');
}

describe('loadPolicy: the example policy', () => {
  it('the shipped policy.yaml validates, with no warning and no lint finding', () => {
    const { findings, warnings } = loadPolicy(readFileSync(SHIPPED_POLICY, 'utf8'), 'policy.yaml');
    expect({ findings, warnings }).toEqual({ findings: [], warnings: [] });
  });

  it('loads the design’s policy cleanly, with the defaults and every rule of the design', () => {
    const { policy, warnings } = loadPolicy(readFileSync(DESIGN_POLICY, 'utf8'), 'design.yaml');
    expect(warnings).toEqual([]);
    expect(policy).toMatchObject({
      version: 1,
      mode: 'enforce',
      onExistingRole: 'keep',
      reportConflicts: false,
      allowedRoles: ['EcsAppRole', 'EcsPaymentsRole', 'EcsBuildAgentRole'],
      regions: ['cn-hangzhou', 'cn-shanghai'],
    });
    expect(policy.rules.map((rule) => rule.name)).toEqual([
      'opt-out',
      'payments',
      'role-from-tag',
      'build-agents',
      'untagged',
    ]);
    expect(policy.rules[1]).toEqual({
      name: 'payments',
      when: {
        tags: {
          team: { kind: 'equals', value: 'payments' },
          env: { kind: 'any-of', values: ['prod', 'staging'] },
        },
      },
      effect: { kind: 'role', role: 'EcsPaymentsRole' },
    });
    expect(policy.rules[2]?.effect).toEqual({ kind: 'role-from-tag', tagKey: 'ram-role' });
    expect(policy.rules[3]?.when).toEqual({
      tags: { app: { kind: 'glob', pattern: 'build-*' } },
      regions: ['cn-hangzhou'],
    });
    expect(policy.rules[4]?.when.tags).toEqual({ team: { kind: 'present', present: false } });
  });

  it('reads mode, onExistingRole and reportConflicts when given', () => {
    const { policy } = loadPolicy(
      doc(OK_RULE, 'mode: dry-run\nonExistingRole: replace-managed\nreportConflicts: true\n'),
    );
    expect(policy).toMatchObject({
      mode: 'dry-run',
      onExistingRole: 'replace-managed',
      reportConflicts: true,
    });
  });

  it('returns a frozen policy, so the allowed roles cannot be widened at run time', () => {
    const { policy } = loadPolicy(doc(OK_RULE));
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.allowedRoles)).toBe(true);
    expect(Object.isFrozen(policy.rules[0]?.when.tags)).toBe(true);
  });

  it('accepts a catch-all rule (when: {}) and a rule scoped by region only', () => {
    const { policy } = loadPolicy(
      doc(
        '  - name: hz\n    when: { regions: [cn-hangzhou] }\n    role: EcsAppRole\n' +
          '  - name: rest\n    when: {}\n    skip: true\n',
      ),
    );
    expect(policy.rules[0]?.when).toEqual({ tags: {}, regions: ['cn-hangzhou'] });
    expect(policy.rules[1]?.when).toEqual({ tags: {} });
  });
});

describe('loadPolicy: rejected documents name the rule and the field', () => {
  it.each([
    ['an unknown top-level key', doc(OK_RULE, 'rulez: []\n'), 'field "rulez": unknown key'],
    [
      'an unknown key in a rule',
      doc('  - name: app\n    when: {}\n    role: EcsAppRole\n    rolee: X\n'),
      'rule "app" (rules[0]) field "rolee": unknown key (allowed in a rule: name, when, role, roleFromTag, skip)',
    ],
    [
      'an unknown key in when',
      doc('  - name: app\n    when: { tag: { a: b } }\n    role: EcsAppRole\n'),
      'rule "app" (rules[0]) field "when.tag": unknown key',
    ],
    [
      'a role not in allowedRoles',
      doc(`${OK_RULE}  - name: payments\n    when: {}\n    role: AdminRole\n`),
      'rule "payments" (rules[1]) field "role": "AdminRole" is not in allowedRoles',
    ],
    [
      'a role in allowedRoles but in another case',
      doc('  - name: app\n    when: {}\n    role: ecsapprole\n'),
      'rule "app" (rules[0]) field "role": "ecsapprole" is not in allowedRoles (role names are case-sensitive; did you mean "EcsAppRole"?)',
    ],
    [
      'both role and roleFromTag',
      doc('  - name: both\n    when: {}\n    role: EcsAppRole\n    roleFromTag: ram-role\n'),
      'rule "both" (rules[0]) field "role / roleFromTag": a rule needs exactly one of role, roleFromTag or skip: true; this one has role and roleFromTag',
    ],
    [
      'role and skip',
      doc('  - name: both\n    when: {}\n    role: EcsAppRole\n    skip: true\n'),
      'rule "both" (rules[0]) field "role / skip": a rule needs exactly one of',
    ],
    [
      'neither role, roleFromTag nor skip',
      doc('  - name: nothing\n    when: {}\n'),
      'rule "nothing" (rules[0]) field "role / roleFromTag / skip": a rule needs exactly one of role, roleFromTag or skip: true; this one has none of them',
    ],
    [
      'skip: false',
      doc('  - name: noskip\n    when: {}\n    role: EcsAppRole\n    skip: false\n'),
      'rule "noskip" (rules[0]) field "skip": "skip: false" is not allowed; remove it',
    ],
    [
      'an invalid role name in a rule',
      doc('  - name: bad\n    when: {}\n    role: "Admin Role!"\n'),
      'rule "bad" (rules[0]) field "role": "Admin Role!" is not a valid RAM role name',
    ],
    [
      'an invalid role name in allowedRoles',
      'version: 1\nallowedRoles: [EcsAppRole, "x/y"]\nrules:\n  - name: a\n    when: {}\n    skip: true\n',
      'field "allowedRoles[1]": "x/y" is not a valid RAM role name',
    ],
    [
      'a repeated role in allowedRoles',
      'version: 1\nallowedRoles: [EcsAppRole, EcsAppRole]\nrules:\n  - name: a\n    when: {}\n    skip: true\n',
      'field "allowedRoles[1]": "EcsAppRole" is listed twice (also at [0])',
    ],
    [
      'duplicate rule names',
      doc(`${OK_RULE}${OK_RULE}`),
      'rule "app" (rules[1]) field "name": duplicate rule name; rules[0] is also named "app"',
    ],
    ['a missing rule name', doc('  - when: {}\n    skip: true\n'), 'rules[0] field "name": is required'],
    [
      'a rule name with odd characters',
      doc('  - name: "a rule; drop"\n    when: {}\n    skip: true\n'),
      'rules[0] field "name": must be 1–64 letters, digits',
    ],
    ['a missing when', doc('  - name: a\n    skip: true\n'), 'rule "a" (rules[0]) field "when": is required'],
    [
      'an unknown version',
      doc(OK_RULE).replace('version: 1', 'version: 2'),
      'field "version": unsupported version 2',
    ],
    ['a missing version', doc(OK_RULE).replace('version: 1\n', ''), 'field "version": is required'],
    ['a bad mode', doc(OK_RULE, 'mode: yolo\n'), 'field "mode": must be "enforce" or "dry-run", not "yolo"'],
    [
      'a bad onExistingRole',
      doc(OK_RULE, 'onExistingRole: clobber\n'),
      'field "onExistingRole": must be "keep", "replace-managed" or "replace"',
    ],
    [
      'a non-boolean reportConflicts',
      doc(OK_RULE, 'reportConflicts: "yes"\n'),
      'field "reportConflicts": must be true or false',
    ],
    [
      'an empty allowedRoles',
      'version: 1\nallowedRoles: []\nrules:\n  - name: a\n    when: {}\n    skip: true\n',
      'field "allowedRoles": must list at least one role',
    ],
    [
      'no rules',
      'version: 1\nallowedRoles: [EcsAppRole]\nrules: []\n',
      'field "rules": must hold at least one rule',
    ],
    [
      'a bad policy region',
      doc(OK_RULE, 'regions: [cn-hangzhou, "CN Shanghai"]\n'),
      'field "regions[1]": "CN Shanghai" is not an Alibaba Cloud region id (did you mean "cn-shanghai"?)',
    ],
    [
      'a misspelt policy region (well-formed, but no such region)',
      doc(OK_RULE, 'regions: [cn-hangzou]\n'),
      'field "regions[0]": "cn-hangzou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
    ],
    [
      'a well-formed rule region that does not exist, with nothing close to suggest',
      doc('  - name: a\n    when: { regions: [xx-nowhere-9] }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.regions[0]": "xx-nowhere-9" is not an Alibaba Cloud region id (like "cn-hangzhou"',
    ],
    ['an empty policy regions list', doc(OK_RULE, 'regions: []\n'), 'field "regions": must not be empty'],
    [
      'a bad rule region',
      doc('  - name: a\n    when: { regions: [hangzhou] }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.regions[0]": "hangzhou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
    ],
    [
      'an unquoted number as a tag value',
      doc('  - name: a\n    when: { tags: { tier: 1 } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.tier": must be a string, a list of strings, or {present: true|false}, not 1 (quote it if you mean the text: "1")',
    ],
    [
      'an empty any-of list',
      doc('  - name: a\n    when: { tags: { env: [] } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.env": an empty list matches nothing',
    ],
    [
      'a glob inside a list',
      doc('  - name: a\n    when: { tags: { env: [prod, "stag*"] } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.env[1]": list elements are exact values',
    ],
    [
      'a non-boolean present',
      doc('  - name: a\n    when: { tags: { env: { present: "yes" } } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.env.present": must be true or false',
    ],
    [
      'an unknown key in a condition mapping',
      doc('  - name: a\n    when: { tags: { env: { present: true, equals: x } } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.env.equals": unknown key',
    ],
    [
      'a tag value longer than Alibaba allows',
      doc(`  - name: a\n    when: { tags: { env: "${'x'.repeat(129)}" } }\n    skip: true\n`),
      'rule "a" (rules[0]) field "when.tags.env": a tag value has at most 128 characters',
    ],
    [
      'a tag key longer than Alibaba allows',
      doc(`  - name: a\n    when: { tags: { ${'k'.repeat(129)}: x } }\n    skip: true\n`),
      'a tag key has at most 128 characters',
    ],
    [
      'a __proto__ tag key (it would silently vanish from a JavaScript object)',
      doc('  - name: a\n    when: { tags: { "__proto__": x } }\n    skip: true\n'),
      'rule "a" (rules[0]) field "when.tags.__proto__": the tag key "__proto__" is not supported',
    ],
    [
      'an empty roleFromTag',
      doc('  - name: a\n    when: {}\n    roleFromTag: ""\n'),
      'rule "a" (rules[0]) field "roleFromTag": a tag key must not be empty',
    ],
    [
      'a rule that is not a mapping',
      doc('  - just-a-name\n'),
      'rules[0]: must be a mapping (a rule), not "just-a-name"',
    ],
  ])('rejects %s', (_what, text, expected) => {
    const error = rejection(text);
    expect(error.code).toBe('InvalidPolicy');
    expect(error.errorClass).toBe('permanent');
    expect(error.message).toContain('Invalid tag policy in test.yaml');
    expect(error.message).toContain(expected);
  });

  it('keeps the issues structured, with the rule name, its index and the field', () => {
    const error = rejection(doc(`${OK_RULE}  - name: payments\n    when: {}\n    role: AdminRole\n`));
    expect(error.issues).toEqual([
      { rule: 'payments', ruleIndex: 1, field: 'role', message: '"AdminRole" is not in allowedRoles' },
    ]);
    expect(error.message).toBe(
      'Invalid tag policy in test.yaml (1 issue):\n' +
        '  - rule "payments" (rules[1]) field "role": "AdminRole" is not in allowedRoles',
    );
  });

  it('reports every issue of the document at once, top-level and in several rules', () => {
    const error = rejection(
      'version: 3\nmode: fast\nallowedRoles: [EcsAppRole]\nextra: 1\nrules:\n' +
        '  - name: one\n    when: {}\n    role: AdminRole\n' +
        '  - name: two\n    when: { tags: { env: [] } }\n' +
        '  - name: one\n    when: {}\n    skip: true\n',
    );
    const lines = error.message.split('\n').slice(1);
    expect(lines).toEqual([
      '  - field "version": unsupported version 3; this release understands version 1',
      '  - field "mode": must be "enforce" or "dry-run", not "fast"',
      '  - field "extra": unknown key (allowed: version, mode, onExistingRole, reportConflicts, allowedRoles, regions, accounts, rules)',
      '  - rule "one" (rules[0]) field "role": "AdminRole" is not in allowedRoles',
      '  - rule "two" (rules[1]) field "when.tags.env": an empty list matches nothing; list at least one value',
      '  - rule "two" (rules[1]) field "role / roleFromTag / skip": a rule needs exactly one of role, roleFromTag or skip: true; this one has none of them',
      '  - rule "one" (rules[2]) field "name": duplicate rule name; rules[0] is also named "one"',
    ]);
    expect(error.message).toContain('(7 issues)');
    expect(error.issues).toHaveLength(7);
  });

  it('brackets field path segments that are not plain keys', () => {
    const error = rejection(
      doc('  - name: a\n    when: { tags: { "app.kubernetes.io name": 5 } }\n    skip: true\n'),
    );
    expect(error.issues[0]?.field).toBe("when.tags['app.kubernetes.io name']");
  });
});

describe('loadPolicy: YAML-level problems', () => {
  it('rejects a syntax error with its line and column', () => {
    const error = rejection('version: 1\nallowedRoles: [EcsAppRole\nrules: []\n');
    expect(error.issues[0]).toMatchObject({
      field: '',
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(error.message).toMatch(/line \d+, column \d+: YAML syntax error: /);
  });

  it('reports the cause of a syntax error first and counts the errors that follow from it', () => {
    const tabs =
      'version: 1\nallowedRoles: [EcsAppRole]\nrules:\n\t- name: a\n\t  when: {}\n\t  role: EcsAppRole\n\t- name: b\n\t  when: {}\n\t  role: EcsAppRole\n';
    const error = rejection(tabs);
    const listed = error.message.split('\n').filter((line) => line.startsWith('  - '));
    expect(listed).toEqual([
      '  - line 4, column 1: YAML syntax error: Tabs are not allowed as indentation',
      expect.stringMatching(
        /^ {2}- … and \d+ more YAML errors after it, probably caused by it: fix the first and run again$/,
      ),
    ]);
    // Every error is still in `issues`, earliest first, the ones after the cause marked as following from it.
    const positions = error.issues.map((issue) => [issue.line ?? 0, issue.column ?? 0] as const);
    expect(positions).toEqual([...positions].sort(([l1, c1], [l2, c2]) => l1 - l2 || c1 - c2));
    expect(error.issues[0]?.followOn).toBeUndefined();
    expect(error.issues.slice(1).every((issue) => issue.followOn === true)).toBe(true);
  });

  it('points an unclosed quote at the quote that opened, not at the end of the file', () => {
    const text = doc(
      `  - name: "a\n    when: {}\n    skip: true\n${OK_RULE}${OK_RULE.replace('name: app', 'name: b')}`,
    );
    const error = rejection(text);
    const opening = text.split('\n').findIndex((line) => line.includes('"a')) + 1;
    expect(error.issues[0]).toMatchObject({ line: opening, column: 11 });
    expect(error.message).toContain(`line ${opening}, column 11: YAML syntax error: Missing closing "quote`);
  });

  it('lists every duplicate key: each is a mistake of its own, not a follow-on error', () => {
    const error = rejection(
      doc(
        '  - name: a\n    when: {}\n    skip: true\n    skip: true\n  - name: b\n    name: c\n    when: {}\n    skip: true\n',
      ),
    );
    expect(error.message).toContain('duplicate key "skip"');
    expect(error.message).toContain('duplicate key "name"');
    expect(error.message).not.toContain('more YAML error');
  });

  it('rejects duplicate keys, naming the key and where it is', () => {
    const error = rejection(`${doc(OK_RULE)}version: 1\n`);
    expect(error.message).toContain('line 7, column 1: YAML syntax error: duplicate key "version"');
  });

  it('rejects duplicate keys inside a rule', () => {
    const error = rejection(
      doc('  - name: a\n    when: {}\n    role: EcsAppRole\n    role: EcsPaymentsRole\n'),
    );
    expect(error.message).toContain('line 7, column 5: YAML syntax error: duplicate key "role"');
  });

  it('treats keys that become the same JavaScript key as duplicates (1 and "1")', () => {
    const error = rejection(doc('  - name: a\n    when: { tags: { 1: a, "1": b } }\n    skip: true\n'));
    expect(error.message).toContain('YAML syntax error: duplicate key "1"');
  });

  it.each([
    ['a list', '- version: 1\n', 'not a list'],
    ['a scalar', 'just text\n', 'not a string'],
    ['an empty file', '', 'not empty'],
    ['only a comment', '# nothing\n', 'not empty'],
  ])('rejects a document that is %s', (_what, text, expected) => {
    const error = rejection(text);
    expect(error.message).toContain(
      `the document must be a mapping (version, allowedRoles, rules, ...), ${expected}`,
    );
  });

  it('rejects several YAML documents in one file', () => {
    expect(rejection(`${doc(OK_RULE)}---\nversion: 1\n`).message).toContain('YAML syntax error');
  });

  it('rejects an alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
    ].join('\n');
    expect(rejection(bomb).message).toContain('YAML aliases expand too much');
  });

  it('still accepts a modest use of anchors and aliases', () => {
    const { policy } = loadPolicy(
      'version: 1\nallowedRoles: [EcsAppRole]\nrules:\n' +
        '  - name: a\n    when: &w { tags: { team: app } }\n    role: EcsAppRole\n' +
        '  - name: b\n    when: { tags: { team: app, env: prod } }\n    skip: true\n',
    );
    expect(policy.rules[0]?.when.tags).toEqual({ team: { kind: 'equals', value: 'app' } });
  });

  it('rejects a document larger than the limit without parsing it', () => {
    const error = rejection(`# ${'x'.repeat(1_048_576)}\n`);
    expect(error.message).toContain('at most 1048576 are accepted');
  });

  it('rejects more rules than the limit', () => {
    const rules = Array.from({ length: 1001 }, (_, i) => `  - { name: r${i}, when: {}, skip: true }\n`).join(
      '',
    );
    expect(rejection(doc(rules)).message).toContain('field "rules": must hold at most 1000 rules');
  });

  it('takes YAML 1.2 core scalars: yes/no stay text, so they are rejected where a boolean is needed', () => {
    expect(rejection(doc(OK_RULE, 'reportConflicts: yes\n')).message).toContain(
      'field "reportConflicts": must be true or false, not "yes"',
    );
  });
});

describe('loadPolicy: unreachable-rule warnings', () => {
  it('warns about a rule after a catch-all, naming both rules', () => {
    const warnings = unreachableWarnings(
      doc(`  - name: everything\n    when: {}\n    skip: true\n${OK_RULE}`),
    );
    expect(warnings).toEqual([
      'rule "app" (rules[1]) field "when": can never match: earlier rule "everything" (rules[0]) matches every instance (its "when" is empty)',
    ]);
  });

  it('warns about a rule whose conditions repeat an earlier rule plus more constraints', () => {
    const warnings = unreachableWarnings(
      doc(
        `${OK_RULE}  - name: app-prod\n    when: { tags: { team: app, env: prod }, regions: [cn-hangzhou] }\n    role: EcsPaymentsRole\n`,
      ),
    );
    expect(warnings).toEqual([
      'rule "app-prod" (rules[1]) field "when": can never match: earlier rule "app" (rules[0]) matches every instance it matches',
    ]);
  });

  it('warns about an exact duplicate of an earlier rule', () => {
    const warnings = unreachableWarnings(doc(`${OK_RULE}${OK_RULE.replace('name: app', 'name: app-again')}`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'rule "app-again" (rules[1]) field "when": can never match: earlier rule "app" (rules[0])',
    );
  });

  it('does not warn when the later rule is narrower in region but the earlier rule is region-scoped differently', () => {
    const warnings = unreachableWarnings(
      doc(
        '  - name: hz\n    when: { tags: { team: app }, regions: [cn-hangzhou] }\n    role: EcsAppRole\n' +
          '  - name: any\n    when: { tags: { team: app } }\n    role: EcsPaymentsRole\n',
      ),
    );
    expect(warnings).toEqual([]);
  });

  it('warns about rule regions outside the policy regions', () => {
    const warnings = unreachableWarnings(
      doc(
        '  - name: bj\n    when: { regions: [cn-beijing] }\n    role: EcsAppRole\n' +
          '  - name: mixed\n    when: { regions: [cn-hangzhou, cn-qingdao] }\n    skip: true\n',
        'regions: [cn-hangzhou]\n',
      ),
    );
    expect(warnings).toEqual([
      'rule "bj" (rules[0]) field "when.regions": can never match: none of its regions (cn-beijing) is in the policy\'s regions',
      'rule "mixed" (rules[1]) field "when.regions": lists regions outside the policy\'s regions, which never match: cn-qingdao',
    ]);
  });
});
