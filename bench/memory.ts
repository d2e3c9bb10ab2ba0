/**
 * Peak memory of one invocation over a 10,000-instance batch (issue 9: ≤ 128 MB; the function has 512 MB). The
 * invocation runs bundled in a child process of its own, against emulators in this one, so the figure holds
 * only the function; the baseline is the peak of a Node process that does nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startLocalStack } from '../local/local-stack.js';
import { parseSeed } from '../local/seed.js';
import { bundleLikeAFunction } from './cold-start.js';

const run = promisify(execFile);

export interface MemoryFigures {
  instances: number;
  maxRssBytes: number;
  idleRssBytes: number;
  counts: Record<string, number>;
}

const ACCOUNT = '1234567890123456';
const idOf = (i: number) => `i-bp1m${String(i).padStart(16, '0')}`;
const TAGS = [
  { team: 'payments', env: 'prod' },
  { team: 'web', 'ram-role': 'EcsAppRole' },
  { team: 'ci', app: 'build-agent' },
];

export async function measureMemory(instances = 10_000): Promise<MemoryFigures> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: ['EcsPaymentsRole', 'EcsAppRole', 'EcsBuildAgentRole'].map((name) => ({
        name,
        trustsEcs: true,
      })),
      instances: Array.from({ length: instances }, (_, i) => ({
        id: idOf(i),
        region: 'cn-hangzhou',
        tags: TAGS[i % TAGS.length] ?? {},
      })),
    }),
  });
  try {
    await bundleLikeAFunction('bench/probes/one-invocation.ts', join(scratch, 'probe'));
    const eventFile = join(scratch, 'event.json');
    const contextFile = join(scratch, 'context.json');
    writeFileSync(
      eventFile,
      JSON.stringify(
        Array.from({ length: instances }, (_, i) => ({
          id: `evt-${i}`,
          source: 'acs.ecs',
          specversion: '1.0',
          type: 'ecs:Instance:StateChange',
          subject: `acs:ecs:cn-hangzhou:${ACCOUNT}:instance/${idOf(i)}`,
          aliyunregionid: 'cn-hangzhou',
          aliyunaccountid: ACCOUNT,
          data: { resourceId: idOf(i), resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
        })),
      ),
    );
    writeFileSync(contextFile, JSON.stringify(stack.context({ timeoutSeconds: 120 })));
    const env = {
      ...stack.env({ POLICY_FILE: resolve('policy.yaml'), LOG_LEVEL: 'silent' }),
      PATH: process.env.PATH ?? '',
      BENCH_EVENT_FILE: eventFile,
      BENCH_CONTEXT_FILE: contextFile,
    };
    // Asynchronous: the emulators answering the child run in this process's event loop.
    const { stdout } = await run(process.execPath, [join(scratch, 'probe', 'index.mjs')], {
      env,
      maxBuffer: 1024 ** 2,
    });
    const measured = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      maxRssBytes: number;
      counts: Record<string, number>;
    };
    const idle = await run(process.execPath, [
      '-e',
      'process.stdout.write(String(process.resourceUsage().maxRSS * 1024))',
    ]);
    return { instances, ...measured, idleRssBytes: Number(idle.stdout) };
  } finally {
    await stack.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
