import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { type FcEmulator, startFcEmulator } from '../../../local/fc-emulator/index.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { ACCOUNT, instance, stateChange } from '../attach-role/harness.js';
import { type Fc3Client, fc3Client, invoke3 } from './fc-emulator-support.js';

/**
 * Coalescing end to end: the built bundle as s.yaml deploys it (instanceConcurrency > 1), invoked at once by
 * several callers through the official FC 3.0 client, calling the ECS emulator with the official ECS SDK. The
 * emulator's call log counts what reached ECS.
 */
const [fn] = loadDeployment({
  file: resolve(import.meta.dirname, '../../../s.yaml'),
  accountId: ACCOUNT,
  env: { FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
}).functions;
if (fn === undefined) throw new Error('s.yaml deploys no function');

const INVOCATIONS = 8;
const PER_INVOCATION = 5;
const idOf = (k: number, i: number) => `i-bp1co${k}${String(i).padStart(15, '0')}`;
/** Even invocations name payments instances (EcsPaymentsRole); odd ones ask for EcsAppRole, which ECS refuses. */
const tagsOf = (k: number): Record<string, string> =>
  k % 2 === 0 ? { team: 'payments', env: 'prod' } : { team: 'web', 'ram-role': 'EcsAppRole' };
const WARM = 'i-bp1warm0000000000001';

let stack: LocalStack;
let fc: FcEmulator;
let client: Fc3Client;

beforeAll(async () => {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [
        { name: 'EcsPaymentsRole', trustsEcs: true },
        // Its trust policy forgot ecs.aliyuncs.com: every attach of it fails per instance.
        { name: 'EcsAppRole', trustsEcs: false },
      ],
      instances: [
        instance(WARM, { team: 'payments', env: 'prod' }),
        ...Array.from({ length: INVOCATIONS }, (_, k) =>
          Array.from({ length: PER_INVOCATION }, (_, i) => instance(idOf(k, i), tagsOf(k))),
        ).flat(),
      ],
    }),
  });
  expect(fn.instanceConcurrency).toBeGreaterThanOrEqual(INVOCATIONS);
  fc = await startFcEmulator({
    functions: [fn],
    credentials: stack.credentials,
    calls: stack.calls,
    accountId: ACCOUNT,
    region: stack.region,
    mns: { endpoint: stack.mns.url },
    // A window far longer than the callers take to arrive (they come over HTTP, in a few ms), so the test does not
    // depend on how fast the machine is; the default's timing is the bench's business.
    envOverrides: {
      ECS_ENDPOINT: stack.ecs.url,
      MNS_ENDPOINT: stack.mns.url,
      // The stack's dead-letter queue instead of s.yaml's topic, so the records can be read back.
      DEAD_LETTER_TOPIC: '',
      DEAD_LETTER_QUEUE: stack.deadLetterQueue,
      COALESCE_WINDOW_MS: '2000',
    },
    timeScale: 0.01,
  });
  client = fc3Client(fc.url, stack.credentials.issueAccessKey(), { timeoutMs: 30_000 });
  // Warm: the instance is loaded, so the callers below all land on it while it runs.
  const warm = await invoke3(client, fn.functionName, JSON.stringify(stateChange(WARM, 'Running')));
  expect(warm.data).toMatchObject({ counts: { attached: 1 } });
});
afterAll(async () => {
  await fc?.close();
  await stack?.close();
});

describe('concurrent invocations on one FC instance share their ECS calls', () => {
  it('eight callers, forty instances: one read of each kind and one attach per role, and each gets its own outcomes', async () => {
    const before = stack.calls.records.length;
    const answers = await Promise.all(
      Array.from({ length: INVOCATIONS }, (_, k) =>
        invoke3(
          client,
          fn.functionName,
          JSON.stringify(
            Array.from({ length: PER_INVOCATION }, (_, i) => stateChange(idOf(k, i), 'Running')),
          ),
        ),
      ),
    );
    const ecs = stack.calls.records.slice(before).filter((r) => r.service === 'ecs');
    const count = (action: string) => ecs.filter((r) => r.action === action).length;
    expect(fc.coldStarts(fn.functionName)).toBe(1);
    // Without coalescing: 8 × (DescribeInstances, DescribeInstanceRamRole, AttachInstanceRamRole) = 24 calls. The
    // first caller may find itself alone on the instance and call at once (an invocation alone never waits); every
    // later one joins a shared call: at most two of each read, and per role.
    expect(count('DescribeInstances')).toBeLessThanOrEqual(2);
    expect(count('DescribeInstanceRamRole')).toBeLessThanOrEqual(2);
    expect(count('AttachInstanceRamRole')).toBeLessThanOrEqual(3);
    expect(ecs.length).toBeLessThanOrEqual(7);
    // The shared calls carried the ids of several callers (none of them made a call per instance).
    const largest = Math.max(
      ...ecs.map((r) => (JSON.parse(r.params.InstanceIds ?? '[]') as string[]).length),
    );
    expect(largest).toBeGreaterThanOrEqual(4 * PER_INVOCATION);

    const records = stack.deadLetters();
    answers.forEach((answer, k) => {
      expect(answer.headers['x-fc-error-type'], JSON.stringify(answer.data)).toBeUndefined();
      const summary = answer.data as { counts: Record<string, number>; results: { instanceId: string }[] };
      const own = Array.from({ length: PER_INVOCATION }, (_, i) => idOf(k, i));
      expect(summary.results.map((r) => r.instanceId)).toEqual(own);
      const requestId = String(answer.headers['x-fc-request-id']);
      const mine = records.filter((r) => r.source.fcRequestId === requestId);
      if (k % 2 === 0) {
        expect(summary.counts).toEqual({ attached: PER_INVOCATION });
        expect(mine).toEqual([]);
      } else {
        expect(summary.counts).toEqual({ 'dead-lettered': PER_INVOCATION });
        expect(mine.map((r) => [r.kind === 'poison' ? '' : r.instanceId, r.error.code]).sort()).toEqual(
          own.map((id) => [id, 'InvalidRamRole.NotEcsRole']).sort(),
        );
      }
    });
    expect(records).toHaveLength((INVOCATIONS / 2) * PER_INVOCATION);
  });
});
