import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../local/sandbox/sandbox.js';

// Who calls FC in the sandbox, and through which API: EventBridge invokes the FC 3.0 function as EventBridge
// does, through the FC 3.0 API with its own identity, signed by @alicloud/fc20230330; so does the operator's
// invoker (redrive, the scenario's steps).

const ACCOUNT = '1234567890123456';
const INSTANCE = 'i-bp1fcapi000000000001';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: {
      accountId: ACCOUNT,
      roles: [{ name: 'EcsAppRole', trustsEcs: true }],
      instances: [
        {
          id: INSTANCE,
          region: 'cn-hangzhou',
          status: 'Running',
          network: 'vpc',
          tags: { team: 'web', 'ram-role': 'EcsAppRole' },
          role: null,
        },
      ],
    },
    shape: 'direct',
    timeScale: 0.02,
  });
});
afterAll(async () => {
  await sandbox?.close();
});

const fcCalls = () => sandbox.calls.records.filter((r) => r.service === 'fc');

describe('FC calls in the sandbox', () => {
  it('EventBridge invokes the function Async on the 2023-03-30 path, ACS3-signed, with a key of its own', async () => {
    sandbox.eventBridge.publish({
      id: 'ev-fc-api',
      source: 'acs.ecs',
      specversion: '1.0',
      type: 'ecs:Instance:StateChange',
      subject: `acs:ecs:cn-hangzhou:${ACCOUNT}:instance/${INSTANCE}`,
      time: new Date().toISOString(),
      aliyunaccountid: ACCOUNT,
      aliyunregionid: 'cn-hangzhou',
      data: { resourceId: INSTANCE, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
    });
    await sandbox.eventBridge.drain();
    await sandbox.fc.settled(20_000);
    const [delivered] = fcCalls();
    expect(delivered).toMatchObject({
      action: 'InvokeFunction',
      status: 202,
      params: {
        function: 'ecs-ram-role-attacher',
        invocationType: 'Async',
        apiVersion: '2023-03-30',
        signature: 'ACS3-HMAC-SHA256',
      },
    });
    expect(delivered?.accessKeyId).not.toBe(sandbox.operatorKey.accessKeyId);
    expect(sandbox.ecs.state.instance(INSTANCE)?.role).toBe('EcsAppRole');
  });

  it("the operator's invoker calls the FC 3.0 API with the operator's key", async () => {
    const before = fcCalls().length;
    const answer = await sandbox.invoker.invoke('ecs-ram-role-attacher', Buffer.from('[]'), { async: false });
    expect(answer).toMatchObject({ ok: true, status: 200 });
    expect(fcCalls().slice(before)).toEqual([
      expect.objectContaining({
        status: 200,
        accessKeyId: sandbox.operatorKey.accessKeyId,
        params: expect.objectContaining({ apiVersion: '2023-03-30', signature: 'ACS3-HMAC-SHA256' }),
      }),
    ]);
  });
});
