import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../local/call-log.js';
import type { AccessKey } from '../../../local/credential-store.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { dispatch } from '../../../tools/cli/dispatch.js';
import {
  type ApplyDocument,
  applyDocumentSchema,
  type FleetReport,
  fleetReportSchema,
} from '../../../tools/cli/fleet/fleet-report.js';
import { CliExit, type CliIo } from '../../../tools/cli.js';
import { ACCOUNT, instance } from '../attach-role/harness.js';
import { childExit, type Exit } from './child-exit.js';

/**
 * `npx ram-role-attacher plan` and `apply` end to end: the bin, `@alicloud/credentials`' default chain reading
 * the environment, the official ECS client walking the ECS emulator by NextToken, and (for failures) the MNS
 * emulator's dead-letter queue. What plan prints is what apply then writes, call for call.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/ram-role-attacher.mjs');
const dir = mkdtempSync(join(tmpdir(), 'plan-apply-'));

const id = (region: 'bp1' | 'uf6', group: string, k: number) =>
  `i-${region}${group}${String(k).padStart(17 - group.length, '0')}`;
const range = (n: number) => Array.from({ length: n }, (_, k) => k);
const web = { app: 'web' };
const shanghai = { region: 'cn-shanghai' };

const SEED = parseSeed({
  accountId: ACCOUNT,
  roles: [
    { name: 'EcsAppRole', trustsEcs: true },
    { name: 'EcsOldRole', trustsEcs: true },
    { name: 'ForeignRole', trustsEcs: true },
    { name: 'NotForEcsRole', trustsEcs: false },
  ],
  instances: [
    // cn-hangzhou: two pages and a bit of instances to attach, some to replace, some already right…
    ...range(130).map((k) => instance(id('bp1', 'new', k), web)),
    ...range(5).map((k) => instance(id('bp1', 'old', k), web, { role: 'EcsOldRole' })),
    ...range(3).map((k) => instance(id('bp1', 'ok', k), web, { role: 'EcsAppRole' })),
    // …and what a plan must leave alone: a skip rule, a role the policy does not own, classic network, no rule.
    ...range(2).map((k) => instance(id('bp1', 'skip', k), { ...web, 'ram-role-attacher/skip': 'true' })),
    ...range(2).map((k) => instance(id('bp1', 'frgn', k), web, { role: 'ForeignRole' })),
    instance(id('bp1', 'clsc', 0), web, { network: 'classic' }),
    ...range(2).map((k) => instance(id('bp1', 'bad', k), { app: 'bad' })),
    ...range(20).map((k) => instance(id('uf6', 'new', k), web, shanghai)),
  ],
});

const POLICY = `version: 1
onExistingRole: replace-managed
allowedRoles: [EcsAppRole, EcsOldRole, NotForEcsRole]
regions: [cn-hangzhou, cn-shanghai]
rules:
  - name: opt-out
    when: { tags: { "ram-role-attacher/skip": "true" } }
    skip: true
  - name: web
    when: { tags: { app: web } }
    role: EcsAppRole
`;
const GOOD = join(dir, 'good.yaml');
writeFileSync(GOOD, POLICY);
// The same, plus a rule whose role ECS refuses (it does not trust ECS): apply's failures.
const BAD = join(dir, 'bad.yaml');
writeFileSync(BAD, `${POLICY}  - name: bad\n    when: { tags: { app: bad } }\n    role: NotForEcsRole\n`);

let stack: LocalStack;
let key: AccessKey;

beforeAll(async () => {
  stack = await startLocalStack({ seed: SEED });
  key = stack.credentials.issueAccessKey();
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir, // no ~/.alibabacloud profile: the environment is the whole chain
      ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
    },
  });
  return childExit(child, args.join(' '), 90_000);
}

const ecs = (records: readonly CallRecord[], action: string) =>
  records.filter((r) => r.service === 'ecs' && r.action === action);
const idsOf = (r: CallRecord): string[] => JSON.parse(r.params.InstanceIds ?? '[]') as string[];

/** The writes a plan announces: a replace is a detach of the current role and an attach of the desired one. */
function plannedWrites(plan: FleetReport): string[] {
  return plan.instances
    .flatMap((r) =>
      r.action === 'attach'
        ? [`${r.regionId} attach ${r.desiredRole} ${r.instanceId}`]
        : r.action === 'replace'
          ? [
              `${r.regionId} detach ${r.currentRole} ${r.instanceId}`,
              `${r.regionId} attach ${r.desiredRole} ${r.instanceId}`,
            ]
          : [],
    )
    .sort();
}

/** The writes ECS answered, from the emulator's call log. */
function loggedWrites(records: readonly CallRecord[]): string[] {
  return (['AttachInstanceRamRole', 'DetachInstanceRamRole'] as const)
    .flatMap((action) =>
      ecs(records, action)
        .filter((r) => r.status === 200)
        .flatMap((r) =>
          idsOf(r).map(
            (i) =>
              `${r.params.RegionId} ${action.startsWith('Attach') ? 'attach' : 'detach'} ${r.params.RamRoleName} ${i}`,
          ),
        ),
    )
    .sort();
}

describe('ram-role-attacher plan and apply against the emulators', { timeout: 240_000 }, () => {
  it('plan prints exactly the writes apply makes, and a plan after apply has no changes', async () => {
    stack.calls.clear();
    const plan = await run([
      'plan',
      '--policy',
      GOOD,
      '--endpoint',
      stack.ecs.url,
      '--json',
      '--detailed-exitcode',
    ]);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 2, stderr: '' });
    const report = fleetReportSchema.parse(JSON.parse(plan.stdout));
    expect(report.counts.total).toEqual({ attach: 150, replace: 5, none: 7, skip: 3, error: 0 });
    expect(report.counts.regions).toEqual({
      'cn-hangzhou': { attach: 130, replace: 5, none: 7, skip: 3, error: 0 },
      'cn-shanghai': { attach: 20, replace: 0, none: 0, skip: 0, error: 0 },
    });
    expect(report.changes).toBe(155);
    const row = (instanceId: string) => report.instances.find((r) => r.instanceId === instanceId);
    expect(row(id('bp1', 'old', 0))).toMatchObject({
      currentRole: 'EcsOldRole',
      desiredRole: 'EcsAppRole',
      action: 'replace',
      rule: 'web',
    });
    expect(row(id('bp1', 'frgn', 0))).toMatchObject({
      currentRole: 'ForeignRole',
      desiredRole: 'EcsAppRole',
      action: 'none',
      outcome: 'conflict',
      reason: 'conflict: keeps ForeignRole',
    });
    expect(row(id('bp1', 'skip', 0))).toMatchObject({ action: 'skip', reason: 'skip rule "opt-out"' });
    expect(row(id('bp1', 'clsc', 0))).toMatchObject({ action: 'skip', reason: 'classic network' });
    expect(row(id('bp1', 'bad', 0))).toMatchObject({ action: 'none', reason: 'no rule matches' });
    expect(row(id('bp1', 'ok', 0))).toMatchObject({ currentRole: 'EcsAppRole', action: 'none' });

    // Read-only, in the function's batch sizes: pages of 100, role reads of ≤ 50.
    const planCalls = [...stack.calls.records];
    expect(loggedWrites(planCalls)).toEqual([]);
    const listings = ecs(planCalls, 'DescribeInstances');
    expect(listings.map((r) => [r.params.RegionId, r.params.MaxResults])).toEqual([
      ['cn-hangzhou', '100'],
      ['cn-hangzhou', '100'],
      ['cn-shanghai', '100'],
    ]);
    const roleReads = ecs(planCalls, 'DescribeInstanceRamRole');
    expect(Math.max(...roleReads.map((r) => idsOf(r).length))).toBe(50);
    expect(roleReads.length).toBe(4); // 100 + 45 in cn-hangzhou, 20 in cn-shanghai

    stack.calls.clear();
    const apply = await run(['apply', '--yes', '--policy', GOOD, '--endpoint', stack.ecs.url, '--json']);
    expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: '' });
    const document: ApplyDocument = applyDocumentSchema.parse(JSON.parse(apply.stdout));
    expect(document.plan.instances).toEqual(report.instances);
    expect(document.apply?.counts.total).toEqual({ attach: 150, replace: 5, none: 7, skip: 3, error: 0 });
    expect(loggedWrites(stack.calls.records)).toEqual(plannedWrites(report));
    expect(plannedWrites(report)).toHaveLength(160);

    const again = await run(['plan', '--policy', GOOD, '--endpoint', stack.ecs.url, '--detailed-exitcode']);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = again.stdout.split('\n');
    expect(lines[0]).toMatch(/^instance\s+region\s+current role\s+desired role\s+action$/);
    expect(again.stdout).toMatch(
      new RegExp(`\\n${id('bp1', 'old', 0)}\\s+cn-hangzhou\\s+EcsAppRole\\s+EcsAppRole\\s+none\\n`),
    );
    expect(again.stdout).toContain(
      'Plan: 0 to attach, 0 to replace, 162 unchanged, 3 skipped, 0 unreadable.',
    );
    expect(again.stdout.includes('\u001b[')).toBe(false);
  });

  it('apply asks on a terminal and writes nothing unless the answer is "yes"; without one it refuses at once', async () => {
    stack.calls.clear();
    const refused = await run(['apply', '--policy', BAD, '--endpoint', stack.ecs.url]);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 2, stdout: '' });
    expect(refused.stderr.split('\n')[0]).toBe(
      'ram-role-attacher apply: stdin is not a terminal, so apply cannot ask for confirmation: pass --yes to apply without asking',
    );
    expect(stack.calls.records).toEqual([]);

    // In process, with a stdin that says it is a terminal and answers "no".
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.write('no\n');
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      stdin,
      exit: (code) => {
        throw new CliExit(code);
      },
    };
    const saved = { ...process.env };
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = key.accessKeyId;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = key.accessKeySecret;
    const code = await dispatch(
      ['apply', '--policy', BAD, '--endpoint', stack.ecs.url, '--region', 'cn-hangzhou'],
      io,
    )
      .then(() => 0)
      .catch((error: unknown) => (error instanceof CliExit ? error.code : Promise.reject(error)))
      .finally(() => {
        process.env = saved;
      });
    expect(code).toBe(1);
    expect(stdout).toContain('Plan: 2 to attach, 0 to replace, 140 unchanged, 3 skipped, 0 unreadable.');
    expect(stderr).toBe(
      '\nApply 2 changes (2 to attach) in cn-hangzhou? Only "yes" applies: Apply cancelled: nothing written.\n',
    );
    expect(loggedWrites(stack.calls.records)).toEqual([]);
  });

  it('apply reports what ECS refused, dead-letters it when asked, and exits 1', async () => {
    const exit = await run([
      'apply',
      '--yes',
      '--policy',
      BAD,
      '--endpoint',
      stack.ecs.url,
      '--region',
      'cn-hangzhou',
      '--dead-letter-queue',
      stack.deadLetterQueue,
      '--mns-account',
      ACCOUNT,
      '--mns-endpoint',
      stack.mns.url,
    ]);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toContain('Plan: 2 to attach, 0 to replace, 140 unchanged, 3 skipped, 0 unreadable.');
    expect(exit.stdout).toMatch(
      new RegExp(
        `\\n${id('bp1', 'bad', 1)}\\s+cn-hangzhou\\s+-\\s+NotForEcsRole\\s+error \\(InvalidRamRole\\.NotEcsRole\\)\\n`,
      ),
    );
    expect(exit.stdout).toContain('Applied: 0 attached, 0 replaced, 140 unchanged, 3 skipped, 2 failed.');
    expect(exit.stdout).toContain(
      `failures dead-lettered to MNS queue ${stack.deadLetterQueue} (cn-hangzhou)`,
    );
    expect(exit.stdout + exit.stderr).not.toMatch(/\n\s+at /);
    const records = stack.deadLetters().flatMap((r) => (r.kind === 'poison' ? [] : [r]));
    expect(
      records.map((r) => [r.kind, r.instanceId, r.error.code, r.accountId, r.desiredRole]).sort(),
    ).toEqual(
      [0, 1].map((k) => [
        'attach-failed',
        id('bp1', 'bad', k),
        'InvalidRamRole.NotEcsRole',
        ACCOUNT,
        'NotForEcsRole',
      ]),
    );
    expect(records[0]?.source?.eventType).toBe('ram-role-attacher:Sweep');
  });
});
