import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessKey } from '../../../local/credential-store.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { fleetReportSchema } from '../../../tools/cli/fleet/fleet-report.js';
import { ACCOUNT as CENTRAL, instance } from '../attach-role/harness.js';
import { childExit, type Exit } from './child-exit.js';

/**
 * `plan --accounts-from resource-directory` against the emulators: the accounts are the Resource Directory's
 * members (ListAccounts through the function's own directory code), not a list in the policy; each member is
 * reached through STS AssumeRole into its member role, as with the policy's accounts.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/ram-role-attacher.mjs');
const dir = mkdtempSync(join(tmpdir(), 'plan-directory-'));
const M1 = '2000000000000011';
const M2 = '3000000000000012';
const MEMBER_ROLE = 'ram-role-attacher-member';
const OPERATOR = `acs:ram::${CENTRAL}:user/operator`;

const id = (group: string, k: number) => `i-bp1${group}${String(k).padStart(17 - group.length, '0')}`;
const member = (accountId: string, group: string, count: number) =>
  parseSeed({
    accountId,
    roles: [
      { name: 'EcsAppRole', trustsEcs: true },
      {
        name: MEMBER_ROLE,
        trustPolicy: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [OPERATOR] } }],
        },
      },
    ],
    instances: Array.from({ length: count }, (_, k) => instance(id(group, k), { app: 'web' })),
  });

// No accounts: in the policy: without --accounts-from the plan covers the credentials' account alone.
const POLICY = join(dir, 'policy.yaml');
writeFileSync(
  POLICY,
  `version: 1
allowedRoles: [EcsAppRole]
regions: [cn-hangzhou]
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
      instances: [instance(id('cen', 0), { app: 'web' })],
    }),
    members: [member(M1, 'done', 2), member(M2, 'dtwo', 1)],
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

describe('plan over the Resource Directory’s accounts', { timeout: 180_000 }, () => {
  it('covers every member the directory lists (yours directly, the others through their role)', async () => {
    stack.calls.clear();
    const plan = await run([
      'plan',
      '--json',
      '--accounts-from',
      'resource-directory',
      '--resource-directory-endpoint',
      stack.rd?.url ?? '',
    ]);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const report = fleetReportSchema.parse(JSON.parse(plan.stdout));
    expect(report.accounts).toEqual([CENTRAL, M1, M2]);
    expect(report.instances.map((r) => [r.accountId, r.instanceId, r.action])).toEqual([
      [CENTRAL, id('cen', 0), 'attach'],
      [M1, id('done', 0), 'attach'],
      [M1, id('done', 1), 'attach'],
      [M2, id('dtwo', 0), 'attach'],
    ]);
    expect(report.failedAccounts).toEqual([]);
    expect(stack.calls.count('ListAccounts')).toBe(1);
    expect(stack.calls.count('AssumeRole')).toBe(2);
  });

  it('--account narrows to directory members; one the directory does not list, and a --folder without it, are usage errors', async () => {
    const rd = [
      '--accounts-from',
      'resource-directory',
      '--resource-directory-endpoint',
      stack.rd?.url ?? '',
    ];
    const narrowed = await run(['plan', '--json', ...rd, '--account', M2]);
    expect(narrowed.code).toBe(0);
    expect(fleetReportSchema.parse(JSON.parse(narrowed.stdout)).accounts).toEqual([M2]);

    const stranger = await run(['plan', ...rd, '--account', '4000000000000013']);
    expect(stranger.code).toBe(2);
    expect(stranger.stderr.split('\n')[0]).toBe(
      `ram-role-attacher plan: --account: "4000000000000013" is not one of the accounts the Resource Directory lists (${CENTRAL}, ${M1}, ${M2})`,
    );

    const folder = await run(['plan', '--folder', 'fd-abc']);
    expect(folder.code).toBe(2);
    expect(folder.stderr.split('\n')[0]).toMatch(
      /^ram-role-attacher plan: --folder: only with --accounts-from resource-directory/,
    );

    const source = await run(['plan', '--accounts-from', 'ldap']);
    expect(source.code).toBe(2);
    expect(source.stderr.split('\n')[0]).toContain('--accounts-from');
  });
});
