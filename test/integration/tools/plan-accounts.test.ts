import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessKey } from '../../../local/credential-store.js';
import { FUNCTION_ROLE_NAME, type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { fleetReportSchema } from '../../../tools/cli/fleet/fleet-report.js';
import { ACCOUNT as CENTRAL, instance } from '../attach-role/harness.js';
import { childExit, type Exit } from './child-exit.js';

/**
 * `plan` and `apply` over many accounts against the emulators: the operator's keys in the central account, each
 * member account through STS AssumeRole into its member role, ECS per account.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/ram-role-attacher.mjs');
const dir = mkdtempSync(join(tmpdir(), 'plan-accounts-'));
const M1 = '2000000000000001';
const M2 = '3000000000000002';
const MEMBER_ROLE = 'ram-role-attacher-member';
const OPERATOR = `acs:ram::${CENTRAL}:user/operator`;

const trusting = (principal: string) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [principal] } }],
});
const id = (group: string, k: number) => `i-bp1${group}${String(k).padStart(17 - group.length, '0')}`;
const member = (accountId: string, group: string, trust: string) =>
  parseSeed({
    accountId,
    roles: [
      { name: 'EcsAppRole', trustsEcs: true },
      { name: MEMBER_ROLE, trustPolicy: trusting(trust) },
    ],
    instances: [0, 1, 2].map((k) => instance(id(group, k), { app: 'web' })),
  });

const POLICY = join(dir, 'policy.yaml');
writeFileSync(
  POLICY,
  `version: 1
allowedRoles: [EcsAppRole]
regions: [cn-hangzhou]
accounts:
  - { id: "${CENTRAL}", name: central }
  - { id: "${M1}" }
  - { id: "${M2}" }
rules:
  - name: web
    when: { tags: { app: web } }
    role: EcsAppRole
`,
);

let stack: LocalStack;
let key: AccessKey;
beforeAll(async () => {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: CENTRAL,
      roles: [{ name: 'EcsAppRole', trustsEcs: true }],
      instances: [0, 1].map((k) => instance(id('cen', k), { app: 'web' })),
    }),
    members: [
      // M1's member role lets the operator in; M2's trusts only the function's role, as `iam` prints it.
      member(M1, 'mone', OPERATOR),
      member(M2, 'mtwo', `acs:ram::${CENTRAL}:role/${FUNCTION_ROLE_NAME}`),
    ],
  });
  key = stack.credentials.issueAccessKey({ accountId: CENTRAL, principalArn: OPERATOR });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<Exit> {
  const child = spawn(
    process.execPath,
    [BIN, ...args, '--policy', POLICY, '--endpoint', stack.ecs.url, '--sts-endpoint', stack.sts?.url ?? ''],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
        ALIBABA_CLOUD_ACCOUNT_ID: CENTRAL,
      },
    },
  );
  return childExit(child, args.join(' '), 90_000);
}

const roleOf = (accountId: string, instanceId: string) =>
  stack.ecs.accounts.get(accountId)?.instance(instanceId)?.role;

describe('plan and apply over the policy’s accounts', { timeout: 180_000 }, () => {
  it('plans every account (yours directly, members through their role), with an account field; a member role that refuses is a failed account', async () => {
    stack.calls.clear();
    const plan = await run(['plan', '--json']);
    expect(plan.code).toBe(1);
    const report = fleetReportSchema.parse(JSON.parse(plan.stdout));
    expect(report.accounts).toEqual([CENTRAL, M1, M2]);
    expect(report.instances.map((r) => [r.accountId, r.instanceId, r.action])).toEqual([
      [CENTRAL, id('cen', 0), 'attach'],
      [CENTRAL, id('cen', 1), 'attach'],
      [M1, id('mone', 0), 'attach'],
      [M1, id('mone', 1), 'attach'],
      [M1, id('mone', 2), 'attach'],
    ]);
    expect(report.failedAccounts).toEqual([{ accountId: M2, code: 'NoPermission' }]);
    expect(report.counts.accounts[M1]?.attach).toBe(3);
    // Your own account costs no AssumeRole; each member one.
    expect(stack.calls.count('AssumeRole')).toBe(2);
    expect(stack.calls.count('AttachInstanceRamRole')).toBe(0);

    const text = await run(['plan']);
    expect(text.stdout).toMatch(
      new RegExp(`\\n${id('mone', 0)}\\s+${M1}\\s+cn-hangzhou\\s+-\\s+EcsAppRole\\s+attach\\n`),
    );
    expect(text.stdout).toContain(`account ${M2}: its member role could not be assumed (NoPermission)`);
  });

  it('--account narrows the plan and apply to the accounts named; apply writes there only', async () => {
    const plan = await run(['plan', '--account', M1, '--json', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    const report = fleetReportSchema.parse(JSON.parse(plan.stdout));
    expect([...new Set(report.instances.map((r) => r.accountId))]).toEqual([M1]);
    expect(report.failedAccounts).toEqual([]);

    const apply = await run(['apply', '--yes', '--account', M1]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Applied: 3 attached');
    expect([0, 1, 2].map((k) => roleOf(M1, id('mone', k)))).toEqual([
      'EcsAppRole',
      'EcsAppRole',
      'EcsAppRole',
    ]);
    expect(roleOf(CENTRAL, id('cen', 0))).toBeNull();

    const bad = await run(['plan', '--account', '4000000000000003']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      `ram-role-attacher plan: --account: "4000000000000003" is not one of the policy's accounts (${CENTRAL}, ${M1}, ${M2})`,
    );
  });
});
