import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const invoke = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'local/invoke.ts', ...args], { env: { PATH: process.env.PATH } });

describe('npm run invoke (and npm start, which runs it on the bundled example)', () => {
  it('prints the instance→role map and then the summary, as the last two JSON lines on stdout', async () => {
    const { stdout, stderr } = await invoke(
      '--event',
      'local/examples/event.json',
      '--seed',
      'local/examples/seed.json',
      '--policy',
      'policy.yaml',
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

  it('says what is wrong with a bad seed and exits non-zero', async () => {
    const error = await invoke('--event', 'local/examples/event.json', '--seed', 'package.json').catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 1 });
    expect(String((error as { stderr: string }).stderr)).toMatch(
      /package\.json is not a valid emulator seed/,
    );
  });
});
