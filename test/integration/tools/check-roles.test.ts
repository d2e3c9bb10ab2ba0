import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessKey, CredentialStore } from '../../../local/credential-store.js';
import { type RamEmulator, startRamEmulator } from '../../../local/ram-emulator/index.js';
import { childExit, type Exit } from './child-exit.js';

/**
 * `npx ram-role-attacher check-roles` end to end: the bin, `@alicloud/credentials`' default chain reading the
 * environment, `@alicloud/ram20150501` talking to the RAM emulator.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/ram-role-attacher.mjs');
const ACCOUNT = '1234567890123456';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
let ram: RamEmulator;

const dir = mkdtempSync(join(tmpdir(), 'check-roles-'));
const policy = (file: string, roles: string[]) => {
  const path = join(dir, file);
  writeFileSync(
    path,
    `version: 1\nallowedRoles: [${roles.join(', ')}]\nrules:\n${roles
      .map((role, i) => `  - name: r${i}\n    when: { tags: { role: ${role} } }\n    role: ${role}\n`)
      .join('')}`,
  );
  return path;
};
const MIXED = policy('mixed.yaml', ['EcsAppRole', 'NotForEcsRole', 'MissingRole', 'ConditionalRole']);
const GOOD = policy('good.yaml', ['EcsAppRole', 'ConditionalRole']);

beforeAll(async () => {
  ram = await startRamEmulator({
    accountId: ACCOUNT,
    credentials,
    roles: [
      { name: 'EcsAppRole' },
      {
        name: 'NotForEcsRole',
        trustPolicy: {
          Version: '1',
          Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'fc.aliyuncs.com' } },
        },
      },
      {
        name: 'ConditionalRole',
        trustPolicy: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['sts:AssumeRole'],
              Principal: { Service: ['ecs.aliyuncs.com'] },
              Condition: { StringEquals: { 'acs:SourceAccount': ACCOUNT } },
            },
          ],
        },
      },
    ],
  });
});
afterAll(async () => {
  await ram?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], accessKey: AccessKey | undefined = key): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, 'check-roles', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir, // no ~/.alibabacloud profile: the environment is the whole chain
      ...(accessKey === undefined
        ? {}
        : {
            ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.accessKeySecret,
          }),
    },
  });
  return childExit(child, `check-roles ${args.join(' ')}`, 60_000);
}

describe('ram-role-attacher check-roles', { timeout: 120_000 }, () => {
  it('finds the role that does not trust ECS and the missing one (table, exit 1), and passes a good policy', async () => {
    const [mixed, json, good, help, usage, badEndpoint] = await Promise.all([
      run(['--policy', MIXED, '--endpoint', ram.url]),
      run(['--policy', MIXED, '--endpoint', ram.url, '--json']),
      run(['--policy', GOOD, '--endpoint', ram.url]),
      run(['--help']),
      run(['--policy', GOOD, '--region', 'cn-hangzou']),
      run(['--endpoint', 'ftp://x/y']),
    ]);

    expect({ code: mixed.code, stderr: mixed.stderr }).toEqual({ code: 1, stderr: '' });
    const rows = mixed.stdout.split('\n');
    expect(rows[0]).toMatch(/^role\s+exists\s+trusts ECS\s+status$/);
    expect(rows[1]).toMatch(/^EcsAppRole\s+yes\s+yes\s+ok$/);
    expect(rows[2]).toMatch(/^NotForEcsRole\s+yes\s+no\s+does not trust ECS$/);
    expect(rows[3]).toMatch(/^MissingRole\s+no\s+\?\s+missing$/);
    expect(rows[4]).toMatch(/^ConditionalRole\s+yes\s+yes, with conditions\s+ok$/);
    expect(mixed.stdout).toContain('NotForEcsRole: its trust policy does not let ecs.aliyuncs.com assume it');
    expect(mixed.stdout).toContain('MissingRole: no such role in RAM (EntityNotExist.Role)');
    expect(mixed.stdout).toMatch(/2 of 4 allowed roles cannot be attached\n$/);
    expect(mixed.stdout.includes('\u001b[')).toBe(false);

    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; roles: Record<string, unknown>[] };
    expect(report.ok).toBe(false);
    expect(report.roles.map((r) => [r.role, r.status, r.exists, r.trustsEcs, r.conditional])).toEqual([
      ['EcsAppRole', 'ok', true, true, false],
      ['NotForEcsRole', 'not-trusted', true, false, false],
      ['MissingRole', 'missing', false, null, false],
      ['ConditionalRole', 'ok', true, true, true],
    ]);
    expect(report.roles[0]?.arn).toBe(`acs:ram::${ACCOUNT}:role/EcsAppRole`);

    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: '' });
    expect(good.stdout).toMatch(/all 2 allowed roles exist and trust ECS\n$/);

    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: ram-role-attacher check-roles /);

    for (const [exit, flag] of [
      [usage, '--region'],
      [badEndpoint, '--endpoint'],
    ] as const) {
      expect({ code: exit.code, stdout: exit.stdout }).toEqual({ code: 2, stdout: '' });
      expect(exit.stderr.split('\n')[0]).toMatch(new RegExp(`^ram-role-attacher check-roles: ${flag}: `));
    }
    expect(ram.calls.records.filter((r) => r.action === 'GetRole').length).toBe(10);
  });

  it('keys RAM does not know: every role "not checked", exit 1, the message without a stack', async () => {
    const stranger = new CredentialStore().issueAccessKey();
    const exit = await run(['--policy', GOOD, '--endpoint', ram.url], stranger);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toMatch(/EcsAppRole: GetRole failed: InvalidAccessKeyId\.NotFound: /);
    expect(exit.stdout + exit.stderr).not.toMatch(/\n\s+at /);
  });
});
