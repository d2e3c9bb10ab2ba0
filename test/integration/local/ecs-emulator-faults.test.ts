import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
  DetachInstanceRamRoleRequest,
} from '@alicloud/ecs20140526';
import * as $dara from '@darabonba/typescript';
import { describe, expect, it } from 'vitest';
import { CallLog } from '../../../local/call-log.js';
import { CredentialStore } from '../../../local/credential-store.js';
import type { EcsEmulator } from '../../../local/ecs-emulator/index.js';
import {
  A,
  B,
  C,
  type EcsSdkClient,
  ecsClient,
  emulators,
  expectSdkError,
  F,
  HANGZHOU,
  rejection,
  testSeed,
} from './ecs-emulator-support.js';

const start = emulators();
const credentials = new CredentialStore();
const sts = credentials.issueSts();

async function fresh(options: { latencyMs?: number } = {}): Promise<{ emu: EcsEmulator; ecs: EcsSdkClient }> {
  const emu = await start({ seed: testSeed(), credentials, ...options });
  return { emu, ecs: ecsClient(emu, sts) };
}

const ids = (...list: string[]) => JSON.stringify(list);
const attach = (ecs: EcsSdkClient, ...instanceIds: string[]) =>
  ecs.attachInstanceRamRole(
    new AttachInstanceRamRoleRequest({
      regionId: HANGZHOU,
      ramRoleName: 'EcsPaymentsRole',
      instanceIds: ids(...instanceIds),
    }),
  );
const describeInstances = (ecs: EcsSdkClient, ...instanceIds: string[]) =>
  ecs.describeInstances(
    new DescribeInstancesRequest({
      regionId: HANGZHOU,
      ...(instanceIds.length ? { instanceIds: ids(...instanceIds) } : {}),
    }),
  );

describe('scripted faults', () => {
  it('throttles twice, with retryAfter on the SDK’s ThrottlingError, then lets the call through', async () => {
    const { emu, ecs } = await fresh();
    const fault = emu.faults.add({
      action: 'AttachInstanceRamRole',
      code: 'Throttling.User',
      times: 2,
      retryAfterMs: 1500,
    });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await expectSdkError(attach(ecs, A), {
        code: 'Throttling.User',
        statusCode: 400,
        name: 'ThrottlingError',
      });
      expect(error.retryAfter).toBe(1500);
      expect(emu.state.instance(A)?.role).toBeNull();
    }
    expect(fault).toMatchObject({ remaining: 0, hits: 2 });
    expect((await attach(ecs, A)).body?.failCount).toBe(0);
    expect(emu.state.instance(A)?.role).toBe('EcsPaymentsRole');
    expect(emu.calls.count('AttachInstanceRamRole', { code: 'Throttling.User', status: 400 })).toBe(2);
    expect(emu.calls.count('AttachInstanceRamRole', { status: 200 })).toBe(1);
    expect(emu.faults.pending()).toEqual([]);
  });

  it('is retried by the SDK’s own Config.retryOptions, each attempt freshly signed', async () => {
    const { emu } = await fresh();
    const retrying = ecsClient(emu, sts, {
      retryOptions: new $dara.RetryOptions({
        retryable: true,
        retryCondition: [
          {
            maxAttempts: 3,
            exception: ['ThrottlingError'],
            errorCode: [],
            backoff: { policy: 'Fixed', period: 10 },
          },
        ],
        noRetryCondition: [],
      }),
    });
    emu.faults.add({ action: 'AttachInstanceRamRole', code: 'Throttling', times: 2, retryAfterMs: 20 });
    const res = await attach(retrying, A);
    expect(res.body?.failCount).toBe(0);
    expect(emu.calls.records.map((r) => [r.status, r.code])).toEqual([
      [400, 'Throttling'],
      [400, 'Throttling'],
      [200, undefined],
    ]);
  });

  it('defaults the status per code and answers server errors as the SDK’s ServerError', async () => {
    const { emu, ecs } = await fresh();
    emu.faults.add({ action: 'DescribeInstances', code: 'ServiceUnavailable' });
    emu.faults.add({ action: 'DescribeInstances', code: 'InternalError' });
    emu.faults.add({ action: 'DescribeInstances', code: 'OperationConflict', status: 409, message: 'busy' });
    await expectSdkError(describeInstances(ecs), {
      code: 'ServiceUnavailable',
      statusCode: 503,
      name: 'ServerError',
    });
    await expectSdkError(describeInstances(ecs), {
      code: 'InternalError',
      statusCode: 500,
      name: 'ServerError',
    });
    const conflict = await expectSdkError(describeInstances(ecs), {
      code: 'OperationConflict',
      statusCode: 409,
    });
    expect(conflict.data.Message).toBe('busy');
    expect((await describeInstances(ecs)).statusCode).toBe(200);
  });

  it('keeps failing with times: Infinity until cleared, and matches any action with *', async () => {
    const { emu, ecs } = await fresh();
    emu.faults.add({ action: '*', code: 'Throttling.Api', times: Number.POSITIVE_INFINITY });
    for (let n = 0; n < 3; n += 1) {
      await expectSdkError(describeInstances(ecs), { code: 'Throttling.Api', statusCode: 400 });
    }
    await expectSdkError(
      ecs.describeInstanceRamRole(
        new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(B) }),
      ),
      { code: 'Throttling.Api', statusCode: 400 },
    );
    expect(emu.faults.pending()).toHaveLength(1);
    emu.faults.clear();
    expect((await describeInstances(ecs)).statusCode).toBe(200);
  });

  it('fails one instance inside the 200 of Attach and Detach', async () => {
    const { emu, ecs } = await fresh();
    emu.faults.add({ action: 'AttachInstanceRamRole', code: 'IncorrectInstanceStatus', instanceId: F });
    const res = await attach(ecs, A, F);
    expect(res.statusCode).toBe(200);
    expect(res.body?.failCount).toBe(1);
    expect(res.body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult?.map((r) => r.code)).toEqual([
      '200',
      'IncorrectInstanceStatus',
    ]);
    expect(emu.state.roleAssignments()).toMatchObject({ [A]: 'EcsPaymentsRole', [F]: null });
    expect((await attach(ecs, F)).body?.failCount).toBe(0); // consumed: the next call passes

    emu.faults.add({ action: 'DetachInstanceRamRole', code: 'InternalError', instanceId: B });
    const detached = await ecs.detachInstanceRamRole(
      new DetachInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(A, B) }),
    );
    const results = detached.body?.detachInstanceRamRoleResults?.detachInstanceRamRoleResult ?? [];
    expect(results.map((r) => [r.instanceId, r.code, r.success])).toEqual([
      [A, '200', true],
      [B, 'InternalError', false],
    ]);
    expect(emu.state.roleAssignments()).toMatchObject({ [A]: null, [B]: 'EcsAppRole' });
  });

  it('lets another writer change a role just before a call (concurrentRole), with or without a code', async () => {
    const { emu, ecs } = await fresh();
    const fault = emu.faults.add({
      action: 'AttachInstanceRamRole',
      instanceId: A,
      concurrentRole: 'EcsAppRole',
    });
    const res = await attach(ecs, A, F);
    expect(res.body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult?.map((r) => r.code)).toEqual([
      'InvalidRamRole.AlreadyAttached',
      '200',
    ]);
    expect(emu.state.roleAssignments()).toMatchObject({ [A]: 'EcsAppRole', [F]: 'EcsPaymentsRole' });
    expect(fault.remaining).toBe(0);
    emu.faults.add({ action: 'AttachInstanceRamRole', instanceId: A, concurrentRole: null });
    expect((await attach(ecs, A)).body?.failCount).toBe(0);
    expect(() => emu.faults.add({ action: 'AttachInstanceRamRole', concurrentRole: 'EcsAppRole' })).toThrow(
      /instanceId/,
    );
  });

  it('fails a whole Describe call only when it names the faulted instance', async () => {
    const { emu, ecs } = await fresh();
    const fault = emu.faults.add({ action: 'DescribeInstances', code: 'InternalError', instanceId: C });
    expect((await describeInstances(ecs, A)).statusCode).toBe(200);
    expect((await describeInstances(ecs)).statusCode).toBe(200); // names no instance at all
    expect(fault.remaining).toBe(1);
    await expectSdkError(describeInstances(ecs, A, C), { code: 'InternalError', statusCode: 500 });
    expect(fault.remaining).toBe(0);
  });

  it('checks faults only after authentication', async () => {
    const { emu } = await fresh();
    const fault = emu.faults.add({ action: 'DescribeInstances', code: 'Throttling' });
    const forged = ecsClient(emu, { ...sts, accessKeySecret: 'wrong' });
    await expectSdkError(describeInstances(forged), { code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(fault.remaining).toBe(1);
  });

  it('rejects a fault with neither code nor latency, and bad times', async () => {
    const { emu } = await fresh();
    expect(() => emu.faults.add({ action: 'DescribeInstances' })).toThrow(/code, a latencyMs/);
    expect(() => emu.faults.add({ action: 'DescribeInstances', code: 'X', times: 0 })).toThrow(/times/);
    expect(() => emu.faults.add({ action: 'DescribeInstances', code: 'X', times: 1.5 })).toThrow(/times/);
  });
});

describe('latency', () => {
  it('delays an answer by a latency-only fault, once', async () => {
    const { emu, ecs } = await fresh();
    emu.faults.add({ action: 'DescribeInstances', latencyMs: 250 });
    const began = performance.now();
    expect((await describeInstances(ecs)).statusCode).toBe(200);
    expect(performance.now() - began).toBeGreaterThanOrEqual(240);
    expect(emu.faults.pending()).toEqual([]); // consumed: later calls are not delayed
  });

  it('delays every answer by the global latency, past the SDK’s read timeout', async () => {
    const { emu, ecs } = await fresh({ latencyMs: 150 });
    const began = performance.now();
    await describeInstances(ecs);
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);

    emu.latencyMs = 400;
    const impatient = ecsClient(emu, sts, { readTimeout: 100, connectTimeout: 100 });
    const error = await rejection(describeInstances(impatient));
    expect(error.name).toBe('RequestTimeoutError');
    // The emulator still answers (into a closed socket) and logs it; wait for that, bounded.
    for (let n = 0; n < 20 && emu.calls.records.length < 2; n += 1) await sleep(50);
    expect(emu.calls.records).toHaveLength(2);
    emu.latencyMs = 0;
  });
});

describe('call log', () => {
  it('records every answered call with action, status, code, key and decoded params', async () => {
    const calls = new CallLog();
    const emu = await start({ seed: testSeed(), credentials, calls });
    const ecs = ecsClient(emu, sts);
    await describeInstances(ecs, A);
    await attach(ecs, A, C);
    await expectSdkError(
      ecsClient(emu, { ...sts, accessKeySecret: 'x' }).detachInstanceRamRole(
        new DetachInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(A) }),
      ),
      { code: 'SignatureDoesNotMatch', statusCode: 400 },
    );
    expect(emu.calls).toBe(calls);
    expect(calls.byAction('ecs')).toEqual({
      DescribeInstances: 1,
      AttachInstanceRamRole: 1,
      DetachInstanceRamRole: 1,
    });
    expect(calls.records[1]).toMatchObject({
      service: 'ecs',
      action: 'AttachInstanceRamRole',
      status: 200,
      accessKeyId: sts.accessKeyId,
      params: { RegionId: HANGZHOU, RamRoleName: 'EcsPaymentsRole', InstanceIds: ids(A, C) },
    });
    expect(calls.records[1]?.code).toBeUndefined();
    expect(calls.records[2]).toMatchObject({ status: 400, code: 'SignatureDoesNotMatch' });
    expect(calls.count('AttachInstanceRamRole')).toBe(1);
  });
});
