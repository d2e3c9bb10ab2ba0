import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { type FcEmulator, type FunctionLogLine, startFcEmulator } from '../../../local/fc-emulator/index.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { ACCOUNT, instance, stateChange } from '../attach-role/harness.js';
import { type Fc3Client, fc3Client, invoke3 } from './fc-emulator-support.js';

/**
 * The custom runtime as s.yaml deploys attach-role (cloud-facts CO-2, CR-1 … CR-6): the emulator starts the built
 * server.mjs as a child process and posts invocations to it over HTTP, several at once; a failed invocation must
 * reach FC as failed (x-fc-status 404), so that its retries and onFailure destination keep the event.
 */
const [deployed] = loadDeployment({
  file: resolve(import.meta.dirname, '../../../s.yaml'),
  accountId: ACCOUNT,
  env: { FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
}).functions;
if (deployed === undefined) throw new Error('s.yaml deploys no function');
const fn = deployed;

const PAY = 'i-bp1crpay000000000001';
const APP = 'i-bp1crapp000000000001';
const ids = (k: number) => [`i-bp1crco${k}00000000000a`, `i-bp1crco${k}00000000000b`];
const INVOCATIONS = 6;

let stack: LocalStack;
const logs: FunctionLogLine[] = [];
const emulators: FcEmulator[] = [];

async function emulator(env: Record<string, string>): Promise<{ fc: FcEmulator; client: Fc3Client }> {
  const fc = await startFcEmulator({
    functions: [fn],
    credentials: stack.credentials,
    calls: stack.calls,
    accountId: ACCOUNT,
    region: stack.region,
    mns: { endpoint: stack.mns.url },
    customRuntime: 'server',
    envOverrides: {
      ECS_ENDPOINT: stack.ecs.url,
      MNS_ENDPOINT: stack.mns.url,
      DEAD_LETTER_TOPIC: '',
      DEAD_LETTER_QUEUE: stack.deadLetterQueue,
      ...env,
    },
    timeScale: 0.01,
    log: (line) => logs.push(line),
  });
  emulators.push(fc);
  return { fc, client: fc3Client(fc.url, stack.credentials.issueAccessKey(), { timeoutMs: 30_000 }) };
}

beforeAll(async () => {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [
        { name: 'EcsPaymentsRole', trustsEcs: true },
        // Forgot to trust ECS: its attach fails, and the failure must be written somewhere.
        { name: 'EcsAppRole', trustsEcs: false },
      ],
      instances: [
        instance(PAY, { team: 'payments', env: 'prod' }),
        instance(APP, { team: 'web', 'ram-role': 'EcsAppRole' }),
        ...Array.from({ length: INVOCATIONS }, (_, k) =>
          ids(k).map((id) => instance(id, { team: 'payments', env: 'prod' })),
        ).flat(),
      ],
    }),
  });
});
afterAll(async () => {
  await Promise.all(emulators.map((fc) => fc.close()));
  await stack?.close();
});

describe('attach-role on the custom runtime, through the FC emulator', () => {
  it('runs concurrent invocations on one server process, sharing its ECS calls, each with its own outcomes', async () => {
    // A window far longer than the callers take to arrive, so the test does not depend on the machine's speed.
    const { fc, client } = await emulator({ COALESCE_WINDOW_MS: '2000' });
    const warm = await invoke3(client, fn.functionName, JSON.stringify(stateChange(PAY, 'Running')));
    expect(warm.data).toMatchObject({ counts: { attached: 1 } });

    const before = stack.calls.records.length;
    const answers = await Promise.all(
      Array.from({ length: INVOCATIONS }, (_, k) =>
        invoke3(client, fn.functionName, JSON.stringify(ids(k).map((id) => stateChange(id, 'Running')))),
      ),
    );
    const ecs = stack.calls.records.slice(before).filter((r) => r.service === 'ecs');
    const count = (action: string) => ecs.filter((r) => r.action === action).length;
    expect(fc.coldStarts(fn.functionName)).toBe(1);
    // One process served them all: each invocation's start and end markers came out of it, once each.
    for (const answer of answers) {
      const requestId = String(answer.headers['x-fc-request-id']);
      for (const marker of ['Start', 'End']) {
        expect(logs.filter((l) => l.line === `FC Invoke ${marker} RequestId: ${requestId}`)).toHaveLength(1);
      }
    }
    // Without sharing: 6 × 3 = 18 calls. The first caller may call alone; the rest join shared calls.
    expect(count('DescribeInstances')).toBeLessThanOrEqual(2);
    expect(count('DescribeInstanceRamRole')).toBeLessThanOrEqual(2);
    expect(count('AttachInstanceRamRole')).toBeLessThanOrEqual(2);
    answers.forEach((answer, k) => {
      expect(answer.headers['x-fc-error-type'], JSON.stringify(answer.data)).toBeUndefined();
      const summary = answer.data as { counts: Record<string, number>; results: { instanceId: string }[] };
      expect(summary.counts).toEqual({ attached: 2 });
      expect(summary.results.map((r) => r.instanceId)).toEqual(ids(k));
    });
    for (const id of ids(0)) expect(stack.ecs.state.instance(id)?.role).toBe('EcsPaymentsRole');
  });

  it('reports an invocation whose handler fails as failed: sync with x-fc-error-type, async retried', async () => {
    // The failure cannot be written (no such queue), so the handler throws: FC must see a failed invocation.
    const { fc, client } = await emulator({ DEAD_LETTER_QUEUE: 'no-such-queue' });
    const event = JSON.stringify(stateChange(APP, 'Running'));
    const sync = await invoke3(client, fn.functionName, event);
    expect(sync.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    const error = sync.data as { errorMessage: string; errorType: string };
    expect(error.errorMessage).toMatch(/no-such-queue|QueueNotExist|dead-letter/i);

    const queued = await invoke3(client, fn.functionName, event, { 'x-fc-invocation-type': 'Async' });
    await fc.settled(20_000);
    const requestId = String(queued.headers['x-fc-request-id']);
    const request = fc.asyncRequests.find((r) => r.requestId === requestId);
    expect(request).toMatchObject({ status: 'failed', attempts: fn.asyncInvoke.maxRetryAttempts + 1 });
    expect(fc.invocations.filter((r) => r.requestId === requestId).map((r) => r.outcome)).toEqual(
      Array(fn.asyncInvoke.maxRetryAttempts + 1).fill('error'),
    );
    // No key of the function's role in any line it wrote.
    const text = logs.map((l) => l.line).join('\n');
    const secrets = stack.calls.records
      .map((r) => stack.credentials.get(r.accessKeyId ?? '')?.accessKeySecret)
      .filter((s): s is string => s !== undefined);
    for (const secret of new Set(secrets)) expect(text.includes(secret)).toBe(false);
  });

  it('fails every invocation of an instance whose server cannot start, naming the variable', async () => {
    const { client } = await emulator({ FUNCTION_TIMEOUT_SECONDS: 'soon' });
    const answer = await invoke3(client, fn.functionName, JSON.stringify(stateChange(PAY, 'Running')));
    expect(answer.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect((answer.data as { errorMessage: string }).errorMessage).toMatch(/FUNCTION_TIMEOUT_SECONDS/);
  });
});
