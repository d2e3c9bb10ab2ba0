import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintPolicy, type PolicyWarning } from '../../../../shared/policy/lint-policy.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { formatIssue } from '../../../../shared/policy/policy-error.js';

/** The design's policy (a fixture; the shipped policy.yaml has its own test in load-policy.test.ts). */
const DESIGN_POLICY = new URL('../../../fixtures/policies/design.yaml', import.meta.url);

const policy = (rules: string, top = 'allowedRoles: [EcsAppRole, EcsBuildRole]\n') =>
  loadPolicy(`version: 1\n${top}rules:\n${rules}`, 'test.yaml').policy;

const lint = (rules: string, top?: string): PolicyWarning[] => lintPolicy(policy(rules, top));
const ofKind = (warnings: PolicyWarning[], kind: PolicyWarning['kind']): string[] =>
  warnings.filter((w) => w.kind === kind).map(formatIssue);

const BUILD_GLOB = '  - name: build\n    when: { tags: { app: "build-*" } }\n    role: EcsBuildRole\n';

describe('lintPolicy', () => {
  it('finds nothing to warn about in the design’s policy', () => {
    expect(lintPolicy(loadPolicy(readFileSync(DESIGN_POLICY, 'utf8')).policy)).toEqual([]);
  });

  describe('unused roles', () => {
    it('warns about an allowed role no rule can attach', () => {
      expect(ofKind(lint(BUILD_GLOB), 'unused-role')).toEqual([
        'field "allowedRoles[0]": "EcsAppRole" is allowed, but no rule can attach it (no rule that can match names it in "role", and none uses roleFromTag); the function\'s role would still be granted ram:PassRole on it; remove it',
      ]);
    });

    it('does not warn when a roleFromTag rule can name any allowed role', () => {
      const rules = `${BUILD_GLOB}  - name: from-tag\n    when: {}\n    roleFromTag: ram-role\n`;
      expect(ofKind(lint(rules), 'unused-role')).toEqual([]);
    });

    it('counts a role named only by a rule that can never match as unused', () => {
      const rules = `${BUILD_GLOB}  - name: all\n    when: {}\n    skip: true\n  - name: app\n    when: { tags: { team: app } }\n    role: EcsAppRole\n`;
      expect(ofKind(lint(rules), 'unused-role')).toHaveLength(1);
    });

    it('explains that replace-managed still treats the role as managed', () => {
      const top = 'onExistingRole: replace-managed\nallowedRoles: [EcsAppRole, EcsBuildRole]\n';
      expect(ofKind(lint(BUILD_GLOB, top), 'unused-role')[0]).toContain(
        'it still counts as managed (replace-managed replaces it), so keep it only for that',
      );
    });
  });

  describe('glob overlap', () => {
    it('warns when an earlier glob takes values a later rule asks for, naming an example value', () => {
      const rules = `${BUILD_GLOB}  - name: gpu\n    when: { tags: { app: [web, build-gpu] } }\n    role: EcsAppRole\n`;
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([
        'rule "gpu" (rules[1]) field "when.tags.app": overlaps earlier rule "build" (rules[0]) on tag "app": a value such as "build-gpu" matches both "build-*" and one of ["web", "build-gpu"], so the earlier rule decides those instances (role EcsBuildRole, not role EcsAppRole); put the more specific rule first, or narrow the glob',
      ]);
    });

    it('warns for two globs that share values', () => {
      const rules = `${BUILD_GLOB}  - name: gpu\n    when: { tags: { app: "*-gpu" } }\n    role: EcsAppRole\n`;
      expect(ofKind(lint(rules), 'glob-overlap')[0]).toContain('a value such as "build-gpu" matches both');
    });

    it('does not warn when the specific rule comes first (the intended order)', () => {
      const rules = `  - name: gpu\n    when: { tags: { app: build-gpu } }\n    role: EcsAppRole\n${BUILD_GLOB}`;
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('does not warn when the earlier glob is contained in the later condition', () => {
      const rules =
        '  - name: gpu\n    when: { tags: { app: "build-gpu-*" } }\n    role: EcsAppRole\n' +
        '  - name: builds\n    when: { tags: { app: "build-*" } }\n    role: EcsBuildRole\n';
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('does not warn when the two rules decide the same', () => {
      const rules = `${BUILD_GLOB}  - name: gpu\n    when: { tags: { app: build-gpu } }\n    role: EcsBuildRole\n`;
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('does not warn when no value matches both', () => {
      const rules = `${BUILD_GLOB}  - name: test\n    when: { tags: { app: [test-1, test-2] } }\n    role: EcsAppRole\n`;
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('warns when the earlier glob rule has other conditions, so that the later rule still matches elsewhere', () => {
      const rules =
        '  - name: build\n    when: { tags: { app: "build-*", env: prod } }\n    role: EcsBuildRole\n' +
        '  - name: gpu\n    when: { tags: { app: build-gpu } }\n    role: EcsAppRole\n';
      expect(ofKind(lint(rules), 'glob-overlap')).toHaveLength(1);
      expect(ofKind(lint(rules), 'unreachable')).toEqual([]);
    });

    it('does not warn when another shared key keeps the rules apart', () => {
      const rules =
        '  - name: build\n    when: { tags: { app: "build-*", env: prod } }\n    role: EcsBuildRole\n' +
        '  - name: gpu\n    when: { tags: { app: build-gpu, env: dev } }\n    role: EcsAppRole\n';
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('does not warn when their regions do not meet', () => {
      const rules =
        '  - name: build\n    when: { tags: { app: "build-*" }, regions: [cn-hangzhou] }\n    role: EcsBuildRole\n' +
        '  - name: gpu\n    when: { tags: { app: build-gpu }, regions: [cn-beijing] }\n    role: EcsAppRole\n';
      expect(ofKind(lint(rules), 'glob-overlap')).toEqual([]);
    });

    it('leaves a rule that can never match to the unreachable warning', () => {
      const rules = `${BUILD_GLOB}  - name: gpu\n    when: { tags: { app: "build-*" } }\n    role: EcsAppRole\n`;
      const warnings = lint(rules);
      expect(ofKind(warnings, 'glob-overlap')).toEqual([]);
      expect(ofKind(warnings, 'unreachable')).toHaveLength(1);
    });
  });

  it('warns about closed regions, in the policy and in rules', () => {
    const warnings = lint(
      `  - name: old\n    when: { regions: [ap-south-1] }\n    role: EcsAppRole\n${BUILD_GLOB}`,
      'allowedRoles: [EcsAppRole, EcsBuildRole]\nregions: [cn-hangzhou, ap-south-1]\n',
    );
    expect(ofKind(warnings, 'closed-region')).toEqual([
      'field "regions[1]": "ap-south-1" is India (Mumbai), a region Alibaba Cloud has closed: no instance can be there',
      'rule "old" (rules[0]) field "when.regions[0]": "ap-south-1" is India (Mumbai), a region Alibaba Cloud has closed: no instance can be there',
    ]);
  });

  it('orders document warnings first, then by rule', () => {
    const warnings = lint(
      `${BUILD_GLOB}  - name: gpu\n    when: { tags: { app: [build-gpu, web] } }\n    skip: true\n  - name: all\n    when: {}\n    skip: true\n  - name: never\n    when: {}\n    skip: true\n`,
    );
    expect(warnings.map((w) => [w.kind, w.ruleIndex])).toEqual([
      ['unused-role', undefined],
      ['glob-overlap', 1],
      ['unreachable', 3],
    ]);
  });

  it('is what loadPolicy returns as warnings, one line each', () => {
    const { findings, warnings } = loadPolicy(
      `version: 1\nallowedRoles: [EcsAppRole, EcsBuildRole]\nrules:\n${BUILD_GLOB}`,
    );
    expect(findings.map((f) => f.kind)).toEqual(['unused-role']);
    expect(warnings).toEqual(findings.map(formatIssue));
  });
});
