import { resolve } from 'node:path';
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { type FcEmulator, type FunctionLogLine, startFcEmulator } from '../../../local/fc-emulator/index.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { credentialsFor } from '../../../shared/credentials/credentials.js';
import { SdkEcsGateway } from '../../../shared/ecs/sdk-ecs-gateway.js';
import { describeError } from '../../../shared/errors/classify.js';
import { SWEEP_LEASE } from '../../../shared/sweep/sweep-lease.js';
import { ACCOUNT, instance } from '../attach-role/harness.js';
import { type Fc3Client, fc3Client, invoke3 } from '../local/fc-emulator-support.js';

/**
 * The sweep as deployed: s.yaml's function, the real bundle, run by the FC emulator, listing the ECS emulator
 * by NextToken through the official SDK, holding its lease in the MNS emulator, and continuing itself through
 * FC 3.0 InvokeFunction (Async) against the FC emulator.
 */
const LEASE_QUEUE = 'ram-role-attacher-sweep-lease';
const ids = Array.from({ length: 250 }, (_, k) => `i-bp1swp${String(k).padStart(14, '0')}`);
const [deployed] = loadDeployment({
  file: resolve(import.meta.dirname, '../../../s.yaml'),
  accountId: ACCOUNT,
  env: { FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
}).functions;
if (deployed === undefined) throw new Error('s.yaml deploys no function');

let stack: LocalStack;
let fc: FcEmulator;
let client: Fc3Client;
let mns: MNSClient;
const logs: FunctionLogLine[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [{ name: 'EcsPaymentsRole', trustsEcs: true }],
      instances: ids.map((id) => instance(id, { team: 'payments', env: 'prod' })),
    }),
  });
  const key = stack.credentials.issueAccessKey();
  mns = new MNSClient(ACCOUNT, { ...key, endpoint: stack.mns.url });
  await mns.createQueue(LEASE_QUEUE, { VisibilityTimeout: 90 });
  await mns.sendMessage(LEASE_QUEUE, { MessageBody: SWEEP_LEASE.body });
  const envOverrides: Record<string, string> = { ECS_ENDPOINT: stack.ecs.url, MNS_ENDPOINT: stack.mns.url };
  fc = await startFcEmulator({
    // A short timeout and a small budget: each invocation sweeps one page of 100, then continues itself.
    functions: [
      {
        ...deployed,
        timeoutSeconds: 6,
        environment: { ...deployed.environment, SWEEP_CALLS_PER_SECOND: '2' },
      },
    ],
    credentials: stack.credentials,
    calls: stack.calls,
    accountId: ACCOUNT,
    region: stack.region,
    mns: { endpoint: stack.mns.url },
    envOverrides,
    timeScale: 0.01,
    log: (line) => logs.push(line),
  });
  // Read when an instance starts, after the emulator (and its port) exists.
  envOverrides.FUNCTION_ENDPOINT = fc.url;
  client = fc3Client(fc.url, key, { timeoutMs: 15_000 });
});
afterAll(async () => {
  await fc?.close();
  await stack?.close();
});

const sweepLines = () =>
  logs.flatMap((l) => {
    try {
      const line = JSON.parse(l.line) as { msg?: string; sweepId?: string; invocation?: number };
      return line.sweepId === undefined ? [] : [line];
    } catch {
      return [];
    }
  });

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('DescribeInstances by NextToken through the SDK', () => {
  it('pages 100 at a time to the end, and a refused token comes back as a permanent InvalidParameter.NextToken', async () => {
    const gateway = new SdkEcsGateway({
      credential: credentialsFor(stack.functionKeys),
      endpoint: { host: stack.ecs.host, protocol: 'http' },
      connectTimeoutMs: 2_000,
      readTimeoutMs: 5_000,
    });
    const first = await gateway.listInstances('cn-hangzhou', null, { timeoutMs: 5_000 });
    expect(first.instances).toHaveLength(100);
    expect(first.instances[0]).toMatchObject({ instanceId: ids[0], tags: { team: 'payments' } });
    const second = await gateway.listInstances('cn-hangzhou', first.nextToken, { timeoutMs: 5_000 });
    const third = await gateway.listInstances('cn-hangzhou', second.nextToken, { timeoutMs: 5_000 });
    expect([second.instances.length, third.instances.length, third.nextToken]).toEqual([100, 50, null]);
    const error = await gateway
      .listInstances('cn-hangzhou', 'not-a-token', { timeoutMs: 5_000 })
      .catch((e) => e);
    expect(describeError(error)).toMatchObject({
      code: 'InvalidParameter.NextToken',
      errorClass: 'permanent',
    });
  });
});

describe('the deployed sweep', () => {
  it('sweeps every page through async continuations under one lease, and a tick meanwhile is a no-op', async () => {
    const started = await invoke3(client, deployed.functionName, '{"ram-role-attacher":"sweep"}');
    expect(started.headers['x-fc-error-type']).toBeUndefined();
    expect(started.data).toMatchObject({ sweep: { state: 'continued', invocation: 1, pages: 1 } });
    // The lease is handed to the continuation: a timer tick now finds it taken.
    const tick = await invoke3(
      client,
      deployed.functionName,
      JSON.stringify({ triggerTime: '2026-11-29T04:00:00Z', triggerName: 'sweep', payload: '{}' }),
    );
    expect(tick.data).toMatchObject({ sweep: { state: 'busy' } });

    await until(() => sweepLines().some((l) => l.msg === 'sweep complete'), 'the sweep to complete');
    expect(ids.every((id) => stack.ecs.state.instance(id)?.role === 'EcsPaymentsRole')).toBe(true);
    const invocations = new Set(sweepLines().map((l) => l.invocation));
    expect(invocations.size).toBe(3);
    const attaches = stack.calls.records.filter((r) => r.action === 'AttachInstanceRamRole');
    expect(attaches).toHaveLength(3);
    // Released at the end: the next tick can take it.
    await until(() => stack.mns.queue(LEASE_QUEUE).peekAll().length === 1, 'the lease to be free again');
  }, 60_000);
});
