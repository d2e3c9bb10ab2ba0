import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { childExit, type Exit } from './child-exit.js';

/**
 * The bin end to end, as a person or a script meets it: spawned the way npm/npx runs it (from the package root,
 * INIT_CWD saying where the user is), output on pipes. Every case the dispatcher handles is in
 * test/unit/tools/cli/dispatch.test.ts, in process; these show the same holds through the real entry point.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/ram-role-attacher.mjs');
const ACCOUNT = '1234567890123456';

function run(command: string[], options: { initCwd?: string; script?: string } = {}): Promise<Exit> {
  const args =
    options.script === undefined ? [BIN, ...command] : ['--import', 'tsx', options.script, ...command];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.initCwd === undefined ? {} : { INIT_CWD: options.initCwd }),
    },
  });
  return childExit(child, command.join(' '), 60_000);
}

const dir = mkdtempSync(join(tmpdir(), 'operator-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'invalid.yaml'),
  'version: 1\nallowedRoles: [EcsAppRole]\nregions: [cn-hangzou]\nrules:\n  - name: a\n    when: {}\n    role: AdminRole\n',
);

/** Usage errors: exit 2, nothing on stdout, one line naming the problem, then the usage. */
function expectUsageError(exit: Exit, firstLine: string): void {
  expect({ code: exit.code, stdout: exit.stdout }).toEqual({ code: 2, stdout: '' });
  const [first, second] = exit.stderr.split('\n');
  expect(first).toBe(firstLine);
  expect(second).toMatch(/^usage: /);
}

const hasEscapes = (exit: Exit): boolean =>
  exit.stdout.includes('\u001b[') || exit.stderr.includes('\u001b[');

describe('npx ram-role-attacher (bin/ram-role-attacher.mjs)', { timeout: 180_000 }, () => {
  it('help, usage errors, failures and verdicts exit 0, 2, 1 and 1; paths resolve against INIT_CWD; no escape codes on pipes', async () => {
    const [help, usage, missing, failure, invalid, iam] = await Promise.all([
      run(['--help']),
      run(['explain', '--tags', 'team']),
      run(['explain', '--policy', 'nowhere.yaml'], { initCwd: dir }),
      run(['explain', '--policy', 'invalid.yaml'], { initCwd: dir }),
      run(['validate', 'invalid.yaml'], { initCwd: dir }),
      run(['iam', '--account', ACCOUNT, '--json']),
    ]);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: ram-role-attacher <command> \[options\]/);

    expectUsageError(
      usage,
      'ram-role-attacher explain: --tags "team" has no "=" (a tag is key=value; the value may be empty)',
    );

    expectUsageError(missing, 'ram-role-attacher explain: --policy: cannot read nowhere.yaml: no such file');

    expect({ code: failure.code, stdout: failure.stdout }).toEqual({ code: 1, stdout: '' });
    expect(failure.stderr).toMatch(/^ram-role-attacher explain failed: Invalid tag policy in invalid\.yaml/);
    expect(failure.stderr).not.toMatch(/^\s+at /m);

    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe(
      [
        'invalid.yaml: error: field "regions[0]": "cn-hangzou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
        'invalid.yaml: error: rule "a" (rules[0]) field "role": "AdminRole" is not in allowedRoles',
        'invalid.yaml: invalid (2 errors, 0 warnings)',
        '',
      ].join('\n'),
    );

    expect({ code: iam.code, stderr: iam.stderr }).toEqual({ code: 0, stderr: '' });
    const documents = JSON.parse(iam.stdout) as { attachFunction: { permissions: { Version: string } } };
    expect(documents.attachFunction.permissions.Version).toBe('1');

    for (const exit of [help, usage, missing, failure, invalid, iam]) expect(hasEscapes(exit)).toBe(false);
  });
});

describe('npm run setup and npm run redrive follow the same rules', { timeout: 180_000 }, () => {
  it('--help exits 0; a bad value is named on one line, exit 2', async () => {
    const [help, region, max] = await Promise.all([
      run(['--help'], { script: 'tools/setup.ts' }),
      run(['--region', 'Hangzhou', '--account', ACCOUNT], { script: 'tools/setup.ts' }),
      run(['--region', 'cn-hangzhou', '--account', ACCOUNT, '--max', '0'], { script: 'tools/redrive.ts' }),
    ]);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: npm run setup -- /);
    expectUsageError(
      region,
      'setup: --region: "Hangzhou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
    );
    expectUsageError(max, 'redrive: --max: "0" is not a positive whole number');
  });
});
