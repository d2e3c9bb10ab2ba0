import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { dispatch } from '../../../../tools/cli/dispatch.js';
import { explainInstance } from '../../../../tools/cli/explain/explain-instance.js';
import { CliExit, type CliIo } from '../../../../tools/cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ACCOUNT = '1234567890123456';

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `ram-role-attacher …` in process: output captured, `exit` thrown as CliExit, INIT_CWD (and NO_COLOR) set for
 * the call only. `tty` makes stdout claim to be a terminal.
 */
async function cli(
  argv: string[],
  options: { initCwd?: string; tty?: boolean; env?: Record<string, string> } = {},
): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty === true },
    stderr: { write: (text: string) => (stderr += text) },
    exit: (code) => {
      throw new CliExit(code);
    },
  };
  const env = {
    INIT_CWD: options.initCwd,
    NO_COLOR: undefined,
    ALIBABA_CLOUD_ACCOUNT_ID: undefined,
    ...options.env,
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(env);
  try {
    await dispatch(argv, io);
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CliExit) return { code: error.code, stdout, stderr };
    throw error;
  } finally {
    set(saved);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dispatch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = [
  'version: 1',
  'allowedRoles: [EcsAppRole, EcsBuildRole, EcsOldRole]',
  'rules:',
  '  - name: build',
  '    when: { tags: { app: "build-*" } }',
  '    role: EcsBuildRole',
  '  - name: apps',
  '    when: { tags: { app: [web, build-web] } }',
  '    role: EcsAppRole',
  '',
].join('\n');
writeFileSync(join(dir, 'policy.yaml'), POLICY);
const M1 = '2000000000000001';
const M2 = '3000000000000002';
/** A policy with accounts: the central one and two members. */
const ACCOUNTS_POLICY = join(dir, 'accounts.yaml');
writeFileSync(
  ACCOUNTS_POLICY,
  POLICY.replace(
    'rules:',
    `regions: [cn-hangzhou]\naccounts:\n  - { id: "${ACCOUNT}" }\n  - { id: "${M1}" }\n  - { id: "${M2}" }\nrules:`,
  ),
);
mkdirSync(join(dir, 'empty-dir'));
writeFileSync(
  join(dir, 'broken.yaml'),
  'version: 1\nallowedRoles: [EcsAppRole\nrules:\n\t- name: a\n\t  when: {}\n',
);

/** Usage errors: exit 2, nothing on stdout, one line naming the problem, then the usage. */
function expectUsageError(exit: Exit, firstLine: string | RegExp): void {
  expect({ code: exit.code, stdout: exit.stdout }).toEqual({ code: 2, stdout: '' });
  const [first, second] = exit.stderr.split('\n');
  if (typeof firstLine === 'string') expect(first).toBe(firstLine);
  else expect(first).toMatch(firstLine);
  expect(second).toMatch(/^usage: /);
}

describe('ram-role-attacher: help and usage errors', () => {
  it('--help lists exactly the commands that exist, on stdout, exit 0', async () => {
    const help = await cli(['--help']);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    const commands = help.stdout
      .split('\n')
      .filter((line) => /^ {2}\S/.test(line))
      .map((line) => line.trim().split(/\s+/, 1)[0]);
    expect(commands).toEqual(['validate', 'explain', 'iam', 'check-roles', 'plan', 'apply']);
  });

  it.each(['validate', 'explain', 'iam', 'check-roles', 'plan', 'apply'])(
    '%s --help prints its usage on stdout, exit 0',
    async (name) => {
      for (const flag of ['--help', '-h']) {
        const help = await cli([name, flag]);
        expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
        expect(help.stdout.startsWith(`usage: ram-role-attacher ${name}`)).toBe(true);
      }
    },
  );

  it.each<[string, string[], string]>([
    ['no command', [], 'ram-role-attacher: a command is required'],
    [
      'a misspelt command',
      ['valdiate'],
      'ram-role-attacher: unknown command "valdiate" (did you mean validate?); commands: validate, explain, iam, check-roles, plan, apply',
    ],
    [
      'a tag without "="',
      ['explain', '--tags', 'team'],
      'ram-role-attacher explain: --tags "team" has no "=" (a tag is key=value; the value may be empty)',
    ],
    [
      'a bare k after the options',
      ['explain', 'env'],
      'ram-role-attacher explain: --tags "env" has no "=" (a tag is key=value; the value may be empty)',
    ],
    [
      'a tag without a key',
      ['explain', '--tags', '=x'],
      'ram-role-attacher explain: --tags "=x" has no key before "=" (a tag is key=value)',
    ],
    [
      'a tag given twice',
      ['explain', '--tags', 'a=1', 'a=2'],
      'ram-role-attacher explain: --tags: the tag "a" is given twice',
    ],
    [
      'a misspelt region',
      ['explain', '--region', 'cn-hangzou'],
      'ram-role-attacher explain: --region: "cn-hangzou" is not an Alibaba Cloud region id (did you mean "cn-hangzhou"?)',
    ],
    [
      'a current role that is no role name',
      ['explain', '--current-role', 'not a role'],
      'ram-role-attacher explain: --current-role: "not a role" is not a RAM role name (^[A-Za-z0-9.-]{1,64}$)',
    ],
    ['no account', ['iam'], 'ram-role-attacher iam: --account is required (the account id (UID), 16 digits)'],
    [
      'a short account',
      ['iam', '--account', '12345'],
      'ram-role-attacher iam: --account: "12345" is not an account id (16 digits, like 1234567890123456)',
    ],
    [
      'a short account (plan)',
      ['plan', '--account', '12345'],
      'ram-role-attacher plan: --account: "12345" is not an account id (16 digits, like 1234567890123456)',
    ],
    [
      'an account the policy does not list (plan)',
      ['plan', '--policy', ACCOUNTS_POLICY, '--account', `${M1},4000000000000003`],
      `ram-role-attacher plan: --account: "4000000000000003" is not one of the policy's accounts (${ACCOUNT}, ${M1}, ${M2})`,
    ],
    [
      'two accounts with a policy that lists none (plan)',
      [
        'plan',
        '--region',
        'cn-hangzhou',
        '--policy',
        join(dir, 'policy.yaml'),
        '--account',
        ACCOUNT,
        '--account',
        M1,
      ],
      `ram-role-attacher plan: --account: "${M1}": the policy lists no accounts:, so it serves one account, the one your credentials are in`,
    ],
    [
      'an account id with letters (apply)',
      ['apply', '--yes', '--account', '20000000000000x1'],
      'ram-role-attacher apply: --account: "20000000000000x1" is not an account id (16 digits, like 1234567890123456)',
    ],
    [
      'an account the policy does not list (check-roles)',
      ['check-roles', '--policy', ACCOUNTS_POLICY, '--account', '4000000000000003'],
      `ram-role-attacher check-roles: --account: "4000000000000003" is not one of the policy's accounts (${ACCOUNT}, ${M1}, ${M2})`,
    ],
    [
      'an account the policy does not list (iam)',
      ['iam', '--central-account', ACCOUNT, '--policy', ACCOUNTS_POLICY, '--account', '4000000000000003'],
      `ram-role-attacher iam: --account: "4000000000000003" is not one of the policy's accounts (${ACCOUNT}, ${M1}, ${M2})`,
    ],
    [
      'no central account with a policy that lists accounts (iam)',
      ['iam', '--policy', ACCOUNTS_POLICY, '--account', M1],
      'ram-role-attacher iam: --central-account is required (the account the functions run in, 16 digits; or set ALIBABA_CLOUD_ACCOUNT_ID)',
    ],
    [
      'an unknown option',
      ['validate', '--bogus'],
      'ram-role-attacher validate: unknown option --bogus (options: --json, --help)',
    ],
    [
      'two policy files',
      ['validate', 'a.yaml', 'b.yaml'],
      'ram-role-attacher validate: one policy file at most, not 2 (a.yaml, b.yaml)',
    ],
    [
      'an option without its value',
      ['explain', '--policy'],
      'ram-role-attacher explain: --policy needs a value',
    ],
    [
      'an argument to a command that takes none',
      ['iam', '--account', ACCOUNT, 'extra'],
      'ram-role-attacher iam: unexpected argument "extra" (this command takes options only: --account, --central-account, --region, --policy, --s-yaml, --json, --print, --member-role, --accounts-from, --folder, --resource-directory-endpoint, --help)',
    ],
    [
      'a region that is none (plan)',
      ['plan', '--region', 'mars'],
      'ram-role-attacher plan: --region: "mars" is not an Alibaba Cloud region id (like "cn-hangzhou"; the known ids are listed in shared/ecs/regions.ts)',
    ],
    [
      'a misspelt region among several (plan)',
      ['plan', '--region', 'cn-hangzhou,cn-shangahi'],
      'ram-role-attacher plan: --region: "cn-shangahi" is not an Alibaba Cloud region id (did you mean "cn-shanghai"?)',
    ],
    [
      'a region outside the policy (plan)',
      ['plan', '--region', 'cn-beijing'],
      'ram-role-attacher plan: --region: "cn-beijing" is not one of the policy\'s regions (cn-hangzhou, cn-shanghai); the function skips instances there',
    ],
    [
      'a policy without regions and no --region (plan)',
      ['plan', '--policy', join(dir, 'policy.yaml')],
      `ram-role-attacher plan: --region is required: ${join(dir, 'policy.yaml')} names no regions (an Alibaba Cloud region id, like cn-hangzhou)`,
    ],
    [
      'an endpoint with a path (plan)',
      ['plan', '--endpoint', 'http://127.0.0.1:1/ecs'],
      'ram-role-attacher plan: --endpoint: "http://127.0.0.1:1/ecs" is not an endpoint (http(s)://host[:port], no path)',
    ],
    [
      'a budget of zero (plan)',
      ['plan', '--calls-per-second', '0'],
      'ram-role-attacher plan: --calls-per-second: "0" is not a positive number',
    ],
    [
      'apply without --yes when stdin is not a terminal',
      ['apply'],
      'ram-role-attacher apply: stdin is not a terminal, so apply cannot ask for confirmation: pass --yes to apply without asking',
    ],
    [
      'apply --json without --yes',
      ['apply', '--json'],
      'ram-role-attacher apply: --json needs --yes: apply cannot ask for confirmation in the middle of a JSON document',
    ],
    [
      'apply with both dead-letter targets',
      ['apply', '--yes', '--dead-letter-topic', 't', '--dead-letter-queue', 'q'],
      'ram-role-attacher apply: --dead-letter-topic and --dead-letter-queue: give one of them, not both',
    ],
    [
      'apply with --mns-account but no dead-letter target',
      ['apply', '--yes', '--mns-account', ACCOUNT],
      'ram-role-attacher apply: --mns-account is only for --dead-letter-topic or --dead-letter-queue',
    ],
    [
      'apply with a dead-letter queue and no account',
      ['apply', '--yes', '--dead-letter-queue', 'dlq'],
      'ram-role-attacher apply: --mns-account is required (the Alibaba Cloud account id (UID), digits only; or set ALIBABA_CLOUD_ACCOUNT_ID)',
    ],
  ])('refuses %s with one line naming it, then the usage, exit 2', async (_what, argv, firstLine) => {
    expectUsageError(await cli(argv), firstLine);
  });
});

describe('ram-role-attacher: failures', () => {
  it.each([
    [
      ['explain', '--policy', 'nowhere.yaml'],
      'ram-role-attacher explain: --policy: cannot read nowhere.yaml: no such file',
    ],
    [
      ['iam', '--account', ACCOUNT, '--policy', 'nowhere.yaml'],
      'ram-role-attacher iam: --policy: cannot read nowhere.yaml: no such file',
    ],
    [['validate', 'nowhere.yaml'], 'ram-role-attacher validate: cannot read nowhere.yaml: no such file'],
    [
      ['explain', '--policy', 'empty-dir'],
      'ram-role-attacher explain: --policy: empty-dir is a directory, not a policy file',
    ],
    [
      ['iam', '--account', ACCOUNT, '--policy', '.'],
      `ram-role-attacher iam: --policy: ${dir} is a directory, not a policy file (did you mean policy.yaml?)`,
    ],
    [['validate', 'empty-dir'], 'ram-role-attacher validate: empty-dir is a directory, not a policy file'],
  ])(
    'a policy file named on the line that is missing or a directory is a usage error: %j',
    async (argv, line) => {
      expectUsageError(await cli(argv, { initCwd: dir }), line);
    },
  );

  it('a failure prints one line (or the policy issues) without a stack trace, exit 1', async () => {
    const broken = await cli(['iam', '--account', ACCOUNT, '--policy', 'broken.yaml'], { initCwd: dir });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^ram-role-attacher iam failed: Invalid tag policy in broken\.yaml/);
    expect(broken.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('ram-role-attacher iam: --account', () => {
  it("prints the member roles of the accounts asked for; the attach function's policy still names every one", async () => {
    const run = (extra: string[]) =>
      cli(['iam', '--central-account', ACCOUNT, '--policy', ACCOUNTS_POLICY, '--json', ...extra]);
    const all = await run([]);
    const one = await run(['--account', M1]);
    expect([all.code, one.code]).toEqual([0, 0]);
    type Doc = {
      memberRoles: { accountId: string }[];
      attachFunction: { permissions: { Statement: { Action: string[]; Resource: string[] }[] } };
    };
    const [allDoc, oneDoc] = [all, one].map((e) => JSON.parse(e.stdout) as Doc);
    expect(allDoc?.memberRoles.map((m) => m.accountId)).toEqual([M1, M2]);
    expect(oneDoc?.memberRoles.map((m) => m.accountId)).toEqual([M1]);
    const assume = (d: Doc | undefined) =>
      d?.attachFunction.permissions.Statement.find((st) => st.Action.includes('sts:AssumeRole'))?.Resource;
    expect(assume(oneDoc)).toEqual(assume(allDoc));
    expect(assume(oneDoc)?.some((arn) => arn.includes(M2))).toBe(true);
  });

  it('takes the central account from ALIBABA_CLOUD_ACCOUNT_ID, as before', async () => {
    const exit = await cli(['iam', '--policy', ACCOUNTS_POLICY, '--print', 'member-trust'], {
      env: { ALIBABA_CLOUD_ACCOUNT_ID: ACCOUNT },
    });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain(`acs:ram::${ACCOUNT}:role/`);
  });
});

describe('ram-role-attacher validate', () => {
  it('prints warnings and exits 0 for a valid policy, the path relative to INIT_CWD', async () => {
    const exit = await cli(['validate', 'policy.yaml'], { initCwd: dir });
    expect(exit.code).toBe(0);
    expect(exit.stdout.split('\n')).toEqual([
      expect.stringMatching(
        /^policy\.yaml: warning: field "allowedRoles\[2\]": "EcsOldRole" is allowed, but no rule can attach it/,
      ),
      expect.stringMatching(
        /^policy\.yaml: warning: rule "apps" \(rules\[1\]\) field "when\.tags\.app": overlaps earlier rule "build" \(rules\[0\]\) on tag "app": a value such as "build-web"/,
      ),
      'policy.yaml: valid (2 warnings)',
      '',
    ]);
  });

  it('reports a YAML syntax error by its cause, counting what follows from it, exit 1', async () => {
    const exit = await cli(['validate', 'broken.yaml'], { initCwd: dir });
    expect(exit.code).toBe(1);
    const lines = exit.stdout.split('\n');
    expect(lines[0]).toMatch(/^broken\.yaml: error: line 3, column 1: YAML syntax error: /);
    expect(lines[1]).toMatch(
      /^broken\.yaml: error: … and \d+ more YAML errors? after it, probably caused by it/,
    );
    expect(lines[2]).toMatch(/^broken\.yaml: invalid \(\d+ errors, 0 warnings\)$/);
  });

  it('prints one JSON object with --json', async () => {
    const exit = await cli(['validate', '--json', 'policy.yaml'], { initCwd: dir });
    const parsed = JSON.parse(exit.stdout) as { file: string; valid: boolean; warnings: { kind: string }[] };
    expect(parsed).toMatchObject({ file: 'policy.yaml', valid: true, errors: [] });
    expect(parsed.warnings.map((w) => w.kind)).toEqual(['unused-role', 'glob-overlap']);
  });

  it('reads the repository policy.yaml by default, wherever the user is', async () => {
    const exit = await cli(['validate'], { initCwd: dir });
    // Which file it read, not what the shipped example says (load-policy.test.ts checks that it validates).
    expect(exit.code).toBe(0);
    expect(exit.stdout.startsWith(`${join(ROOT, 'policy.yaml')}: valid`)).toBe(true);
  });
});

describe('ram-role-attacher explain', () => {
  it('names the deciding rule, and the outcome follows --current-role and onExistingRole', async () => {
    const exit = await cli(
      ['explain', '--tags', 'app=build-web', '--current-role', 'EcsAppRole', '--policy', 'policy.yaml'],
      {
        initCwd: dir,
      },
    );
    expect(exit).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'instance in cn-hangzhou (assumed; pass --region), tags app=build-web, role EcsAppRole now',
        '  rules[0] build  decides: attach EcsBuildRole',
        'outcome: conflict (role EcsBuildRole; previous role EcsAppRole; the instance has another role and onExistingRole is keep)',
        '',
      ].join('\n'),
    });
  });

  it('says why each earlier rule did not match', async () => {
    const exit = await cli(['explain', '--policy', 'policy.yaml', '--region', 'cn-beijing', 'app=web'], {
      initCwd: dir,
    });
    expect(exit.stdout).toBe(
      [
        'instance in cn-beijing, tags app=web, no role now',
        '  rules[0] build  no match: tag "app" is "web", which does not match "build-*"',
        '  rules[1] apps   decides: attach EcsAppRole',
        'outcome: attached (role EcsAppRole)',
        '',
      ].join('\n'),
    );
  });

  it('prints exactly the pure explanation with --json (values may contain "=")', async () => {
    const exit = await cli(
      ['explain', '--json', '--policy', 'policy.yaml', '--region', 'cn-shanghai', 'app=web', 'note=a=b'],
      {
        initCwd: dir,
      },
    );
    const { policy } = loadPolicy(POLICY);
    const expected = explainInstance(policy, {
      regionId: 'cn-shanghai',
      tags: { app: 'web', note: 'a=b' },
      currentRole: null,
    });
    expect(JSON.parse(exit.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});

describe('ram-role-attacher: colour', () => {
  it('colours a terminal, and never a pipe or with NO_COLOR set', async () => {
    const args = ['validate', 'policy.yaml'];
    const terminal = await cli(args, { initCwd: dir, tty: true });
    const pipe = await cli(args, { initCwd: dir });
    const noColor = await cli(args, { initCwd: dir, tty: true, env: { NO_COLOR: '1' } });
    expect(terminal.stdout).toContain('\u001b[33mwarning\u001b[39m');
    for (const plain of [pipe, noColor]) expect(plain.stdout).not.toContain('\u001b[');
    expect(noColor.stdout).toBe(pipe.stdout);
  });
});
