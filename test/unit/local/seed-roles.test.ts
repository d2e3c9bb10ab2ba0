import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readScenario } from '../../../local/sandbox/scenario.js';
import { parseSeed } from '../../../local/seed.js';
import { loadPolicyFile } from '../../../tools/cli/policy-file.js';

/**
 * The sandbox seeds RAM from these files: every role a policy may attach must exist there (missing, ECS would
 * answer InvalidRamRole.NotFound for a reason no scenario means), as `check-roles` demands of a real account.
 */
describe('the sandbox’s seeds hold every allowed role of their policy', () => {
  it('local/examples/seed.json and policy.yaml', () => {
    const seed = parseSeed(JSON.parse(readFileSync('local/examples/seed.json', 'utf8')));
    const names = seed.roles.map((r) => r.name);
    for (const role of loadPolicyFile('policy.yaml').policy.allowedRoles) expect(names).toContain(role);
  });

  it('the default scenario and its policy', () => {
    const scenario = readScenario('local/scenarios/default.yaml');
    const names = scenario.seed.roles.map((r) => r.name);
    for (const role of loadPolicyFile('local/scenarios/default-policy.yaml').policy.allowedRoles) {
      expect(names).toContain(role);
    }
  });
});

describe('a seeded role’s trust', () => {
  const fcOnly = {
    Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'fc.aliyuncs.com' } },
  };

  it('takes a trust policy document, and refuses one that contradicts trustsEcs', () => {
    expect(parseSeed({ accountId: '1', roles: [{ name: 'R', trustPolicy: fcOnly }] }).roles).toEqual([
      { name: 'R', trustPolicy: fcOnly },
    ]);
    expect(() =>
      parseSeed({ accountId: '1', roles: [{ name: 'R', trustsEcs: true, trustPolicy: fcOnly }] }),
    ).toThrow(/roles\.0: trustsEcs is true but its trustPolicy does not let ecs\.aliyuncs\.com assume it/);
    expect(() => parseSeed({ accountId: '1', roles: [{ name: 'R', trustPolicy: '{"no":' }] })).toThrow(
      /roles\.0\.trustPolicy: the trust policy is not JSON/,
    );
  });
});
