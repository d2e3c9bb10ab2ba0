import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { childExit, type Exit } from '../tools/child-exit.js';

/**
 * Every npm command the README lists, as a person meets it: `--help` prints the usage on stdout and exits 0
 * before any build; a usage mistake prints one line naming the flag or file, then the usage, and exits 2.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ACCOUNT = '1234567890123456';
// Each command loads the SDKs and emulators first: a few at a time, so a loaded machine is not swamped.
const limit = pLimit(3);

const dir = mkdtempSync(join(tmpdir(), 'commands-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'bad.yaml'),
  'name: bad\nsteps:\n  - at: 0\n    launch: { group: x, region: ../etc, count: 0 }\n',
);
writeFileSync(join(dir, 'broken.yaml'), 'name: bad\nsteps: [ { at: 0\n');

const env = (initCwd?: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? dir,
  ...(initCwd === undefined ? {} : { INIT_CWD: initCwd }),
});

/** `npm run <script> -- <args>` from the repository, as the README says to. */
const npm = (script: string, args: string[]): Promise<Exit> =>
  limit(() =>
    childExit(
      spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: ROOT, env: env() }),
      `npm run ${script}`,
      120_000,
    ),
  );

/** The script itself, as npm runs it (from the repository root, INIT_CWD saying where the user is). */
const script = (file: string, args: string[], initCwd = dir): Promise<Exit> =>
  limit(() =>
    childExit(
      spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: env(initCwd) }),
      `${file} ${args.join(' ')}`,
      120_000,
    ),
  );

const builtAt = () =>
  ['dist/attach-role/index.mjs', 'dist/dead-letter-alert/index.mjs'].map(
    (f) => statSync(join(ROOT, f)).mtimeMs,
  );

describe('--help on every command', { timeout: 300_000 }, () => {
  it('prints the usage on stdout and exits 0, and builds nothing', async () => {
    const before = builtAt();
    const scripts = ['start', 'emulators', 'bench', 'invoke', 'build', 'setup', 'redrive'];
    const exits = await Promise.all(scripts.map((s) => npm(s, ['--help'])));
    for (const [i, exit] of exits.entries()) {
      const name = scripts[i] === 'start' ? 'start' : `run ${scripts[i]}`;
      expect({ script: scripts[i], code: exit.code, stderr: exit.stderr }).toEqual({
        script: scripts[i],
        code: 0,
        stderr: '',
      });
      expect(exit.stdout).toMatch(new RegExp(`^usage: npm ${name}\\b`));
    }
    // dist/ was not rebuilt: --help comes before the build.
    expect(builtAt()).toEqual(before);
  });
});

describe('usage mistakes', { timeout: 300_000 }, () => {
  const cases: Array<[string, string[], string]> = [
    ['local/start.ts', ['--shape', 'sideways'], 'start: --shape: "sideways" is not one of direct, buffered'],
    [
      'local/start.ts',
      ['--bogus'],
      'start: unknown option --bogus (options: --scenario, --shape, --serve, --build, --help)',
    ],
    [
      'local/start.ts',
      ['--scenario', 'nowhere.yaml'],
      'start: --scenario: cannot read nowhere.yaml: no such file',
    ],
    [
      'local/start.ts',
      ['--scenario', 'bad.yaml'],
      'start: --scenario: bad.yaml is not a valid scenario: steps.0.launch.region: a region id, like cn-hangzhou; steps.0.launch.count: Too small: expected number to be >=1',
    ],
    [
      'local/emulators.ts',
      ['--seed', 'nowhere.json'],
      'emulators: --seed: cannot read nowhere.json: no such file',
    ],
    ['local/emulators.ts', ['--shape', 'x'], 'emulators: --shape: "x" is not one of direct, buffered'],
    [
      'bench/run.ts',
      ['--bogus'],
      'bench: unknown option --bogus (options: --skip-burst, --quick, --build, --help)',
    ],
    ['tools/build.ts', ['--bogus'], 'build: unknown option --bogus (options: --help)'],
    [
      'local/invoke.ts',
      [],
      'invoke: --event is required (a file holding the event, e.g. local/examples/event.json)',
    ],
    [
      'local/invoke.ts',
      ['--event', 'nowhere.json'],
      'invoke: --event: cannot read nowhere.json: no such file',
    ],
    [
      'local/invoke.ts',
      ['--event', 'x.json', '--region', 'mars'],
      'invoke: --region: "mars" is not an Alibaba Cloud region id (like "cn-hangzhou"; the known ids are listed in shared/ecs/regions.ts)',
    ],
    [
      'local/invoke.ts',
      ['--event', 'x.json', '--timeout', '0'],
      'invoke: --timeout: "0" is not a positive whole number',
    ],
    [
      'tools/redrive.ts',
      ['--region', 'cn-hangzhou', '--account', ACCOUNT, '--kind', 'nonsense'],
      'redrive: --kind: "nonsense" is not one of attach-failed, replace-failed, deadline, conflict, poison, fc-failure, unreadable',
    ],
    [
      'tools/redrive.ts',
      ['--region', 'cn-hangzhou', '--account', 'abc'],
      'redrive: --account: "abc" is not an account id (digits only, like 1234567890123456)',
    ],
    [
      'tools/setup.ts',
      ['--region', 'cn-hangzhou', '--account', ACCOUNT, '--prefix', 'bad prefix!'],
      'setup: --prefix: "bad prefix!" is not a name prefix (letters, digits and "-", at most 101)',
    ],
  ];

  it('print one line naming the flag or file and what is wrong, then the usage; exit 2, no stack trace', async () => {
    const exits = await Promise.all(cases.map(([file, args]) => script(file, args)));
    for (const [i, exit] of exits.entries()) {
      const [file, args, problem] = cases[i] ?? ['', [], ''];
      const [first, second] = exit.stderr.split('\n');
      expect({ file, args, code: exit.code, stdout: exit.stdout, first }).toEqual({
        file,
        args,
        code: 2,
        stdout: '',
        first: problem,
      });
      expect(second).toMatch(/^usage: npm /);
      expect(exit.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a scenario that is not YAML is named with the YAML error, on one line', async () => {
    const exit = await script('local/start.ts', ['--scenario', 'broken.yaml']);
    expect(exit.code).toBe(2);
    expect(exit.stderr.split('\n')[0]).toMatch(
      /^start: --scenario: broken\.yaml is not a valid scenario: not YAML: \S.*$/,
    );
  });
});
