import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { type FcEmulator, type FunctionLogLine, startFcEmulator } from '../../../local/fc-emulator/index.js';
import { type LocalStack, startLocalStack } from '../../../local/local-stack.js';
import { parseSeed } from '../../../local/seed.js';
import { ACCOUNT, instance, stateChange } from '../attach-role/harness.js';
import { type Fc3Client, fc3Client, invoke3 } from './fc-emulator-support.js';

/**
 * The deployable bundle as s.yaml declares it (custom runtime, code directory, timeout, environment, async config),
 * run by the FC emulator as FC runs it (server.mjs in a child process, invocations posted to it over HTTP) and
 * invoked through the official FC 3.0 client, against the ECS and MNS emulators.
 */
const [fn] = loadDeployment({
  file: resolve(import.meta.dirname, '../../../s.yaml'),
  accountId: ACCOUNT,
  env: { FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT}:role/ram-role-attacher` },
}).functions;
if (fn === undefined) throw new Error('s.yaml deploys no function');

let stack: LocalStack;
let fc: FcEmulator;
let client: Fc3Client;
const logs: FunctionLogLine[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    seed: parseSeed({
      accountId: ACCOUNT,
      roles: [{ name: 'EcsPaymentsRole', trustsEcs: true }],
      instances: [
        instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' }),
        instance('i-bp1pay00000000000003', { team: 'payments', env: 'prod' }),
      ],
    }),
  });
  fc = await startFcEmulator({
    functions: [fn],
    credentials: stack.credentials,
    calls: stack.calls,
    accountId: ACCOUNT,
    region: stack.region,
    mns: { endpoint: stack.mns.url },
    envOverrides: { ECS_ENDPOINT: stack.ecs.url, MNS_ENDPOINT: stack.mns.url },
    timeScale: 0.01,
    log: (line) => logs.push(line),
  });
  const key = stack.credentials.issueAccessKey();
  client = fc3Client(fc.url, key, { timeoutMs: 15_000 });
});
afterAll(async () => {
  await fc?.close();
  await stack?.close();
});

describe('the real dist/attach-role/index.mjs behind the FC emulator', () => {
  it("runs s.yaml's function from the built code directory", () => {
    expect(fn.codeDir).toBe(resolve(import.meta.dirname, '../../../dist/attach-role'));
    expect(fn.handler).toBe('index.handler');
    expect(fn.runtime).toBe('custom.debian10');
    expect(fn.customRuntime).toMatchObject({ command: ['/var/fc/lang/nodejs20/bin/node'], port: 9000 });
    // Node's heap flags (ME-1), then the server the build writes.
    expect(fn.customRuntime?.args.at(-1)).toBe('server.mjs');
  });

  it("attaches the role a sync invocation asks for, with the instance's STS keys", async () => {
    const event = JSON.stringify(stateChange('i-bp1pay00000000000002', 'Pending'));
    const { headers, data } = await invoke3(client, fn.functionName, event);
    const requestId = String(headers['x-fc-request-id']);
    expect(headers['x-fc-error-type']).toBeUndefined();
    expect(data).toMatchObject({ counts: { attached: 1 } });
    expect(stack.ecs.state.instance('i-bp1pay00000000000002')?.role).toBe('EcsPaymentsRole');

    const attach = stack.calls.records.find((r) => r.action === 'AttachInstanceRamRole');
    expect(attach?.accessKeyId).toMatch(/^STS\./);
    // The function's pino lines reached the log, with FC's request id, and no secret in them.
    const own = logs.filter((l) => l.requestId === requestId).map((l) => l.line);
    // …between FC's markers for a custom runtime's invocation (cloud-facts CR-6)…
    expect(own[0]).toBe(`FC Invoke Start RequestId: ${requestId}`);
    expect(own.at(-1)).toBe(`FC Invoke End RequestId: ${requestId}`);
    const lines = own.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.msg === 'summary')).toMatchObject({ requestId, fn: fn.functionName });
    const text = logs.map((l) => l.line).join('\n');
    const instanceKeys = stack.credentials.get(attach?.accessKeyId ?? '');
    expect(instanceKeys?.accessKeySecret && text.includes(instanceKeys.accessKeySecret)).toBe(false);
  });

  it('runs an async invocation warm, on the same instance', async () => {
    const event = JSON.stringify(stateChange('i-bp1pay00000000000003', 'Running'));
    const { headers } = await invoke3(client, fn.functionName, event, { 'x-fc-invocation-type': 'Async' });
    await fc.settled(10_000);
    const requestId = String(headers['x-fc-request-id']);
    expect(fc.invocations.find((r) => r.requestId === requestId)).toMatchObject({
      async: true,
      outcome: 'ok',
      coldStart: false,
    });
    expect(stack.ecs.state.instance('i-bp1pay00000000000003')?.role).toBe('EcsPaymentsRole');
    expect(fc.coldStarts(fn.functionName)).toBe(1);
  });
});
