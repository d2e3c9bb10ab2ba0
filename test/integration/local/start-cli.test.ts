import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { childExit } from '../tools/child-exit.js';

const run = promisify(execFile);

/** A tiny scenario: a few payments instances and one admin-tagged instance the policy must refuse. */
function scenarioFile(expectations: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'scenario-')), 'tiny.yaml');
  writeFileSync(
    file,
    `name: tiny
timeLimitSeconds: 40
seed:
  accountId: "1234567890123456"
  roles: [ { name: EcsPaymentsRole, trustsEcs: true }, { name: EcsAppRole, trustsEcs: true } ]
steps:
  - at: 0
    launch: { group: pay, region: cn-hangzhou, count: 4, tags: { team: payments, env: prod } }
  - at: 0
    launch: { group: admin, region: cn-hangzhou, count: 1, tags: { team: web, ram-role: AdminRole } }
expect:
${expectations}
`,
  );
  return file;
}

const start = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], { env: { PATH: process.env.PATH } });

// Each run boots the whole sandbox: on a loaded machine that alone can take tens of seconds.
describe('npm start (the sandbox CLI)', { timeout: 120_000 }, () => {
  it('runs a scenario file, prints plain progress lines and the report, and exits 0 when every expectation holds', async () => {
    const { stdout } = await start('--scenario', scenarioFile('  refused: { min: 1 }'));
    expect(stdout).toMatch(/^Running scenario "tiny" \(direct shape\)/);
    expect(stdout).toMatch(/ s · steps \d+\/2 · launched \d+/); // not a TTY: plain lines
    expect(stdout).toMatch(/Scenario "tiny" \(direct shape\): 5 instances in cn-hangzhou, settled after/);
    expect(stdout).toMatch(/ECS calls: .*AttachInstanceRamRole \d+/);
    expect(stdout).toMatch(
      /Launch-to-role latency \(4 instances\): p50 [\d.]+ s, p95 [\d.]+ s, max [\d.]+ s/,
    );
    expect(stdout).toContain('✓ converged (policy.yaml): all 5 instances');
    // Refused once per event about the instance (its RunInstances call and its Running state change).
    expect(stdout).toMatch(/✓ refused: ≥ 1 \(got [12]\)/);
  });

  it('exits 1 when an expectation fails, and says which', async () => {
    const error = await start(
      '--scenario',
      scenarioFile('  refused: { min: 5 }'),
      '--shape',
      'buffered',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stdout: string }).stdout).toMatch(/✗ refused: ≥ 5 \(got [12]\)/);
    expect((error as { stdout: string }).stdout).toContain('(buffered shape)');
  });

  it('says what is wrong with a scenario file: one line naming it, exit 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'scenario-')), 'bad.yaml');
    writeFileSync(file, 'name: bad\nsteps:\n  - at: 0\n    launch: { group: x, region: ../etc, count: 0 }\n');
    const error = await start('--scenario', file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr.split('\n')[0]).toMatch(
      /^start: --scenario: \S*bad\.yaml is not a valid scenario: steps\.0\.launch\.region: /,
    );
  });

  it('reports a step past the time limit as not run, and exits soon after the limit', async () => {
    const exit = await startWithin(
      scenarioText(`
  - at: 600
    launch: { group: later, region: cn-hangzhou, count: 1, tags: { team: payments, env: prod } }`),
    );
    expect(exit.code).toBe(1);
    expect(exit.stdout).toContain(
      '✗ 1 of 2 steps did not run before the time limit: step 2 (launch, at 600 s)',
    );
    expect(exit.stdout).not.toContain('every step ran');
    expect(exit.stdout).toMatch(/ s · steps 1\/2 · /);
  });

  it('reports a step whose condition never held as not run', async () => {
    const exit = await startWithin(
      scenarioText(`
  - after: { deadLetters: { group: pay } }
    trust: { role: EcsPaymentsRole, ecs: false }`),
    );
    expect(exit.code).toBe(1);
    expect(exit.stdout).toContain(
      '✗ 1 of 2 steps did not run before the time limit: step 2 (trust, after every instance of group pay is dead-lettered)',
    );
  });
});

/** A 3-second scenario: two payments instances launched at once, then `more` steps. */
function scenarioText(more: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'scenario-')), 'late.yaml');
  writeFileSync(
    file,
    `name: late
timeLimitSeconds: 3
seed:
  accountId: "1234567890123456"
  roles: [ { name: EcsPaymentsRole, trustsEcs: true } ]
steps:
  - at: 0
    launch: { group: pay, region: cn-hangzhou, count: 2, tags: { team: payments, env: prod } }${more}
`,
  );
  return file;
}

/** npm start on the scenario, killed (and failing) if it has not exited within 90 s: it must end by itself. */
const startWithin = (file: string) =>
  childExit(
    spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--scenario', file], {
      env: { PATH: process.env.PATH },
    }),
    `npm start --scenario ${file}`,
    90_000,
  );
