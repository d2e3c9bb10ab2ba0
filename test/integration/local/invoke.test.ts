import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
/** The design's policy, a fixture of the tests' own (invoke's default is $POLICY_FILE). */
const POLICY_FILE = fileURLToPath(new URL('../../fixtures/policies/design.yaml', import.meta.url));
const invokeWith = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'local/invoke.ts', ...args], {
    env: { PATH: process.env.PATH, POLICY_FILE, ...env },
  });
const invoke = (...args: string[]) => invokeWith({}, ...args);
const failure = (e: unknown) => e as { code: number; stdout: string; stderr: string };

/** A directory of the user's own: a payments instance whose role does not trust ECS, and an event naming it. */
const userDir = mkdtempSync(join(tmpdir(), 'invoke-'));
afterAll(() => rmSync(userDir, { recursive: true, force: true }));
const PAY = 'i-bp1pay00000000000009';
writeFileSync(
  join(userDir, 'seed.json'),
  JSON.stringify({
    accountId: '1234567890123456',
    roles: [{ name: 'EcsPaymentsRole', trustsEcs: false }],
    instances: [{ id: PAY, region: 'cn-hangzhou', tags: { team: 'payments', env: 'prod' } }],
  }),
);
writeFileSync(
  join(userDir, 'event.json'),
  JSON.stringify({
    id: 'evt-1',
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: `acs:ecs:cn-hangzhou:1234567890123456:instance/${PAY}`,
    aliyunregionid: 'cn-hangzhou',
    aliyunaccountid: '1234567890123456',
    data: { resourceId: PAY, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  }),
);

describe('npm run invoke (and npm start, which runs it on the bundled example)', { timeout: 120_000 }, () => {
  it('prints the instance→role map and then the summary, as the last two JSON lines on stdout', async () => {
    const { stdout, stderr } = await invoke(
      '--event',
      'local/examples/event.json',
      '--seed',
      'local/examples/seed.json',
      '--policy',
      'test/fixtures/policies/design.yaml',
      '--state',
    );
    expect(stdout.endsWith('\n')).toBe(true);
    const lines = stdout.trimEnd().split('\n');
    const state = JSON.parse(lines.at(-2) ?? '');
    const summary = JSON.parse(lines.at(-1) ?? '');
    expect(state['i-bp1pay00000000000001']).toBe('EcsPaymentsRole');
    expect(state['i-bp1web00000000000002']).toBeNull(); // refused: its tag names AdminRole
    expect(summary.counts).toEqual({
      attached: 4,
      refused: 1,
      conflict: 1,
      skipped: 2,
      'already-correct': 1,
    });
    // The function's logs go to stderr, one JSON object per line.
    expect(
      stderr
        .trim()
        .split('\n')
        .every((line) => typeof JSON.parse(line).requestId === 'string'),
    ).toBe(true);
  });

  it('counts the poison and dead-letter records in the summary line', async () => {
    const event = {
      id: 'ev-mixed',
      source: 'acs.ecs',
      specversion: '1.0',
      type: 'ecs:ActionTrail:ApiCall',
      aliyunregionid: 'cn-hangzhou',
      data: {
        eventName: 'RunInstances',
        serviceName: 'Ecs',
        referencedResources: { 'ACS::ECS::Instance': ['i-bp1pay00000000000001', 'i-NOT_AN_ID'] },
      },
    };
    const file = join(mkdtempSync(join(tmpdir(), 'invoke-')), 'event.json');
    writeFileSync(file, JSON.stringify(event));
    const { stdout } = await invoke('--event', file, '--seed', 'local/examples/seed.json');
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '');
    expect(summary).toMatchObject({ counts: { attached: 1 }, poison: 1, deadLetters: 1 });
    expect(summary.results).toHaveLength(1);
  });

  it('says what is wrong with a bad seed, naming the flag and the file: a usage error, exit 2', async () => {
    const error = failure(
      await invoke('--event', 'local/examples/event.json', '--seed', 'package.json').catch((e: unknown) => e),
    );
    expect(error.code).toBe(2);
    expect(error.stderr.split('\n')[0]).toMatch(
      /^invoke: --seed: package\.json is not a valid emulator seed: /,
    );
  });

  it('reads the files it is given where the user ran npm (INIT_CWD), and lists the dead letters it wrote', async () => {
    const { stdout, stderr } = await invokeWith(
      { INIT_CWD: userDir, LOG_LEVEL: 'silent' },
      '--event',
      'event.json',
      '--seed',
      'seed.json',
    );
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '');
    expect(summary.counts).toEqual({ 'dead-lettered': 1 });
    // LOG_LEVEL=silent reached the function: stderr holds only the dead letter, no log line.
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^dead letter: attach-failed InvalidRamRole\\.NotEcsRole ${PAY} \\(cn-hangzhou\\): \\{`),
    );
  });

  it('prints the dead letters as one JSON line with --dead-letters, before the state and the summary', async () => {
    const { stdout } = await invokeWith(
      { INIT_CWD: userDir, LOG_LEVEL: 'silent' },
      '--event',
      'event.json',
      '--seed',
      'seed.json',
      '--dead-letters',
      '--state',
    );
    const [records, state] = stdout
      .trimEnd()
      .split('\n')
      .slice(-3)
      .map((l) => JSON.parse(l));
    expect(records).toEqual([
      expect.objectContaining({
        kind: 'attach-failed',
        instanceId: PAY,
        error: expect.objectContaining({ code: 'InvalidRamRole.NotEcsRole' }),
      }),
    ]);
    expect(state).toEqual({ [PAY]: null });
  });

  it('passes the function’s environment variables through: an invalid one stops it, named', async () => {
    const error = failure(
      await invokeWith({ LOG_LEVEL: 'chatty' }, '--event', 'local/examples/event.json').catch(
        (e: unknown) => e,
      ),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/^invoke failed: invalid configuration: LOG_LEVEL: /);
    // What the stack sets itself is not taken from the caller, and says so.
    const { stderr } = await invokeWith(
      { ECS_ENDPOINT: 'ecs.cn-hangzhou.aliyuncs.com', LOG_LEVEL: 'silent' },
      '--event',
      'local/examples/event.json',
    );
    expect(stderr).toBe(
      'invoke: ECS_ENDPOINT is not passed through: the local stack sets it to its emulators\n',
    );
  });
});
