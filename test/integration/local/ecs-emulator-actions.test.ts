import {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
  DetachInstanceRamRoleRequest,
} from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { EcsEmulator } from '../../../local/ecs-emulator/index.js';
import {
  A,
  B,
  C,
  callRpc,
  D,
  E,
  type EcsSdkClient,
  ecsClient,
  emulators,
  expectSdkError,
  F,
  HANGZHOU,
  testSeed,
  UNKNOWN,
} from './ecs-emulator-support.js';

const start = emulators();
const credentials = new CredentialStore();
const ak = credentials.issueAccessKey();
const sts = credentials.issueSts();

/** A fresh emulator (so tests do not share state) and an SDK client on STS keys, as the function would use. */
async function fresh(): Promise<{ emu: EcsEmulator; ecs: EcsSdkClient }> {
  const emu = await start({ seed: testSeed(), credentials });
  return { emu, ecs: ecsClient(emu, sts) };
}

const ids = (...list: string[]) => JSON.stringify(list);

describe('DescribeInstances', () => {
  const describe_ = (ecs: EcsSdkClient, fields: Record<string, unknown>) =>
    ecs.describeInstances(new DescribeInstancesRequest({ regionId: HANGZHOU, ...fields }));
  const instanceIds = (body: { instances?: { instance?: Array<{ instanceId?: string }> } } | undefined) =>
    body?.instances?.instance?.map((i) => i.instanceId);

  it('lists the region’s live instances with status, network and tags', async () => {
    const { ecs } = await fresh();
    const res = await describe_(ecs, {});
    expect(res.body?.totalCount).toBe(4);
    expect(instanceIds(res.body)).toEqual([A, B, C, F]); // not D (Deleted), not E (cn-shanghai)
    expect(res.body).toMatchObject({ pageNumber: 1, pageSize: 10, nextToken: '' });
    const first = res.body?.instances?.instance?.[0];
    expect(first).toMatchObject({
      instanceId: A,
      regionId: HANGZHOU,
      status: 'Running',
      instanceNetworkType: 'vpc',
      tags: {
        tag: [
          { tagKey: 'team', tagValue: 'payments' },
          { tagKey: 'env', tagValue: 'prod' },
        ],
      },
    });
    expect(res.body?.instances?.instance?.[2]).toMatchObject({
      instanceId: C,
      instanceNetworkType: 'classic',
    });
  });

  it('filters by InstanceIds (JSON or InstanceIds.N), and an empty list matches nothing', async () => {
    const { ecs } = await fresh();
    expect(instanceIds((await describe_(ecs, { instanceIds: ids(B, D, E, UNKNOWN) })).body)).toEqual([B]);
    // A caller passing a JS array gets InstanceIds.1=…&InstanceIds.2=… on the wire (sdk-wire §3.1).
    const asArray = [A, F] as unknown as string;
    expect(instanceIds((await describe_(ecs, { instanceIds: asArray })).body)).toEqual([A, F]);
    const none = await describe_(ecs, { instanceIds: '[]' });
    expect(none.body?.totalCount).toBe(0);
    expect(none.body?.instances?.instance).toEqual([]);
  });

  it('filters by Status and by tags (key and value, or key only)', async () => {
    const { ecs } = await fresh();
    expect(instanceIds((await describe_(ecs, { status: 'Stopped' })).body)).toEqual([F]);
    const payments = await describe_(ecs, { tag: [{ key: 'team', value: 'payments' }] });
    expect(instanceIds(payments.body)).toEqual([A, B]);
    const prod = await describe_(ecs, {
      tag: [
        { key: 'team', value: 'payments' },
        { key: 'env', value: 'prod' },
      ],
    });
    expect(instanceIds(prod.body)).toEqual([A]);
    expect(instanceIds((await describe_(ecs, { tag: [{ key: 'app' }] })).body)).toEqual([F]);
    expect(instanceIds((await describe_(ecs, { tag: [{ key: 'team', value: 'nobody' }] })).body)).toEqual([]);
  });

  it('pages by PageNumber/PageSize and by NextToken/MaxResults', async () => {
    const { emu, ecs } = await fresh();
    for (let n = 0; n < 25; n += 1) {
      emu.state.addInstance({ id: `i-2ze${String(n).padStart(17, '0')}`, region: 'cn-beijing' });
    }
    const page = (pageNumber: number) =>
      ecs.describeInstances(
        new DescribeInstancesRequest({ regionId: 'cn-beijing', pageNumber, pageSize: 10 }),
      );
    const pages = await Promise.all([page(1), page(2), page(3), page(4)]);
    expect(pages.map((p) => p.body?.instances?.instance?.length)).toEqual([10, 10, 5, 0]);
    expect(pages.map((p) => p.body?.totalCount)).toEqual([25, 25, 25, 25]);
    expect(pages[1]?.body).toMatchObject({ pageNumber: 2, pageSize: 10 });

    const seen: string[] = [];
    let nextToken: string | undefined;
    for (let round = 0; round < 10; round += 1) {
      const res = await ecs.describeInstances(
        new DescribeInstancesRequest({
          regionId: 'cn-beijing',
          maxResults: 7,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      seen.push(...(instanceIds(res.body) ?? []).filter((id): id is string => id !== undefined));
      nextToken = res.body?.nextToken;
      if (!nextToken) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);

    // Outside 10–100, MaxResults counts as the nearest bound (DescribeInstancesRequest.ts, cloud-facts SW-1).
    const small = await ecs.describeInstances(
      new DescribeInstancesRequest({ regionId: 'cn-beijing', maxResults: 3 }),
    );
    expect(small.body?.instances?.instance).toHaveLength(10);
    const large = await ecs.describeInstances(
      new DescribeInstancesRequest({ regionId: 'cn-beijing', maxResults: 500 }),
    );
    expect(large.body?.instances?.instance).toHaveLength(25);
    expect(large.body?.nextToken).toBe('');
  });

  it('refuses a NextToken once it is older than nextTokenTtlMs', async () => {
    let now = Date.now();
    const emu = await start({
      seed: testSeed(),
      credentials,
      now: () => now,
      behaviour: { nextTokenTtlMs: 60_000 },
    });
    for (let n = 0; n < 15; n += 1) {
      emu.state.addInstance({ id: `i-2ze${String(n).padStart(17, '0')}`, region: 'cn-beijing' });
    }
    const ecs = ecsClient(emu, sts);
    const first = await ecs.describeInstances(
      new DescribeInstancesRequest({ regionId: 'cn-beijing', maxResults: 10 }),
    );
    const nextToken = first.body?.nextToken ?? '';
    expect(nextToken).not.toBe('');
    // Within its life the token still turns the page (so the refusal below is the TTL's, not any token's).
    now += 59_000;
    const second = await ecs.describeInstances(
      new DescribeInstancesRequest({ regionId: 'cn-beijing', maxResults: 10, nextToken }),
    );
    expect(second.body?.instances?.instance).toHaveLength(5);
    now += 2_000;
    await expectSdkError(
      ecs.describeInstances(
        new DescribeInstancesRequest({ regionId: 'cn-beijing', maxResults: 10, nextToken }),
      ),
      { code: 'InvalidParameter.NextToken', statusCode: 400 },
    );
  });

  it('refuses malformed ids, more than 100 ids, bad paging and a missing RegionId', async () => {
    const { ecs } = await fresh();
    await expectSdkError(describe_(ecs, { instanceIds: 'i-bp1aaaaaaaaaaaaaaaa1' }), {
      code: 'InvalidInstanceIds.Malformed',
      statusCode: 400,
    });
    await expectSdkError(describe_(ecs, { instanceIds: ids('i-abc"]; DROP') }), {
      code: 'InvalidInstanceIds.Malformed',
      statusCode: 400,
    });
    const many = Array.from({ length: 101 }, (_, n) => `i-bp1${String(n).padStart(17, '0')}`);
    await expectSdkError(describe_(ecs, { instanceIds: JSON.stringify(many) }), {
      code: 'InvalidParameter',
      statusCode: 400,
    });
    await expectSdkError(describe_(ecs, { pageSize: 101 }), { code: 'InvalidParameter', statusCode: 400 });
    await expectSdkError(describe_(ecs, { nextToken: 'garbage' }), {
      code: 'InvalidParameter.NextToken',
      statusCode: 400,
    });
    await expectSdkError(ecs.describeInstances(new DescribeInstancesRequest({})), {
      code: 'MissingParameter.RegionId',
      statusCode: 400,
    });
  });
});

describe('DescribeInstanceRamRole', () => {
  const describeRoles = (ecs: EcsSdkClient, fields: Record<string, unknown>) =>
    ecs.describeInstanceRamRole(new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, ...fields }));

  it('answers a row for every named instance, RamRoleName "" for one without a role (the default)', async () => {
    const { ecs } = await fresh();
    const res = await describeRoles(ecs, { instanceIds: ids(A, B, F, UNKNOWN) });
    expect(res.body).toMatchObject({
      regionId: HANGZHOU,
      totalCount: 3,
      instanceRamRoleSets: {
        instanceRamRoleSet: [
          { instanceId: A, ramRoleName: '' },
          { instanceId: B, ramRoleName: 'EcsAppRole' },
          { instanceId: F, ramRoleName: '' },
        ],
      },
    });
  });

  it('with roleRows "with-role-only", lists only the named instances that have a role', async () => {
    const { emu, ecs } = await fresh();
    emu.behaviour.roleRows = 'with-role-only';
    const res = await describeRoles(ecs, { instanceIds: ids(A, B, F, UNKNOWN) });
    expect(res.body).toMatchObject({
      totalCount: 1,
      instanceRamRoleSets: { instanceRamRoleSet: [{ instanceId: B, ramRoleName: 'EcsAppRole' }] },
    });
  });

  it('takes at most 50 ids (InvalidInstanceIds.Malformed, 400) and refuses classic instances', async () => {
    const { emu, ecs } = await fresh();
    const many = Array.from({ length: 51 }, (_, n) => `i-bp3${String(n).padStart(17, '0')}`);
    for (const id of many) emu.state.addInstance({ id, region: HANGZHOU });
    await expectSdkError(describeRoles(ecs, { instanceIds: JSON.stringify(many) }), {
      code: 'InvalidInstanceIds.Malformed',
      statusCode: 400,
    });
    const fifty = await describeRoles(ecs, { instanceIds: JSON.stringify(many.slice(0, 50)), pageSize: 50 });
    expect(fifty.body?.totalCount).toBe(50);
    expect(fifty.body?.instanceRamRoleSets?.instanceRamRoleSet).toHaveLength(50);
    await expectSdkError(describeRoles(ecs, { instanceIds: ids(A, C) }), {
      code: 'InvalidNetworkType.MismatchRamRole',
      statusCode: 403,
    });
  });

  it('lists the instances that have a given role', async () => {
    const { emu, ecs } = await fresh();
    emu.state.setRole(A, 'EcsAppRole');
    const res = await describeRoles(ecs, { ramRoleName: 'EcsAppRole' });
    expect(res.body?.instanceRamRoleSets?.instanceRamRoleSet?.map((s) => s.instanceId)).toEqual([A, B]);
    expect((await describeRoles(ecs, { ramRoleName: 'EcsPaymentsRole' })).body?.totalCount).toBe(0);
  });

  it('pages with PageSize up to 50', async () => {
    const { emu, ecs } = await fresh();
    for (let n = 0; n < 12; n += 1) {
      emu.state.addInstance({
        id: `i-bp2${String(n).padStart(17, '0')}`,
        region: HANGZHOU,
        role: 'EcsAppRole',
      });
    }
    const page2 = await describeRoles(ecs, { ramRoleName: 'EcsAppRole', pageSize: 5, pageNumber: 3 });
    expect(page2.body?.totalCount).toBe(13);
    expect(page2.body?.instanceRamRoleSets?.instanceRamRoleSet).toHaveLength(3);
    await expectSdkError(describeRoles(ecs, { ramRoleName: 'EcsAppRole', pageSize: 51 }), {
      code: 'InvalidParameter',
      statusCode: 400,
    });
  });

  it('fails when nothing is asked, or none of the ids exists in the region', async () => {
    const { ecs } = await fresh();
    await expectSdkError(describeRoles(ecs, {}), { code: 'InvalidParameter.AllEmpty', statusCode: 403 });
    await expectSdkError(describeRoles(ecs, { instanceIds: ids(UNKNOWN, D, E) }), {
      code: 'InvalidInstanceId.NotFound',
      statusCode: 404,
    });
    await expectSdkError(describeRoles(ecs, { instanceIds: '["nope"]' }), {
      code: 'InvalidInstanceIds.Malformed',
      statusCode: 400,
    });
  });
});

describe('AttachInstanceRamRole', () => {
  const attach = (ecs: EcsSdkClient, ramRoleName: string, instanceIds: string, policy?: string) =>
    ecs.attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName,
        instanceIds,
        ...(policy === undefined ? {} : { policy }),
      }),
    );

  it('attaches the role and reports per-instance failures inside a 200', async () => {
    const { emu, ecs } = await fresh();
    emu.state.setRole(F, 'EcsPaymentsRole'); // same role already: still refused
    const res = await attach(ecs, 'EcsPaymentsRole', ids(A, B, C, D, E, F, UNKNOWN));
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({ totalCount: 7, failCount: 6, ramRoleName: 'EcsPaymentsRole' });
    const results = res.body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult ?? [];
    expect(results.map((r) => [r.instanceId, r.code, r.success])).toEqual([
      [A, '200', true],
      [B, 'InvalidRamRole.AlreadyAttached', false],
      [C, 'InvalidNetworkType.MismatchRamRole', false],
      [D, 'InvalidInstanceId.NotFound', false],
      [E, 'InvalidInstanceId.NotFound', false],
      [F, 'InvalidRamRole.AlreadyAttached', false],
      [UNKNOWN, 'InvalidInstanceId.NotFound', false],
    ]);
    expect(results[0]?.message).toBe('success');
    expect(results[3]?.message).toBe('The specified InstanceId does not exist.');
    expect(emu.state.roleAssignments()).toMatchObject({
      [A]: 'EcsPaymentsRole',
      [B]: 'EcsAppRole',
      [C]: null,
    });
  });

  it('answers the configured code for an instance that already has a role (the real one is undocumented)', async () => {
    const { emu, ecs } = await fresh();
    emu.behaviour.alreadyAttachedCode = 'Forbidden.InstanceHasRole';
    const res = await attach(ecs, 'EcsPaymentsRole', ids(B));
    expect(res.body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult).toEqual([
      expect.objectContaining({ instanceId: B, code: 'Forbidden.InstanceHasRole', success: false }),
    ]);
    expect(emu.state.instance(B)?.role).toBe('EcsAppRole');
  });

  it('answers Code 200 as a number when asked to, as the API page’s JSON sample shows it', async () => {
    const { emu } = await fresh();
    emu.behaviour.resultCode = 'number';
    const raw = await callRpc(emu, sts, {
      action: 'AttachInstanceRamRole',
      query: { RegionId: HANGZHOU, RamRoleName: 'EcsPaymentsRole', InstanceIds: ids(A, C) },
    });
    expect(raw.body.AttachInstanceRamRoleResults).toEqual({
      AttachInstanceRamRoleResult: [
        { Code: 200, InstanceId: A, Message: 'success', Success: true },
        expect.objectContaining({
          Code: 'InvalidNetworkType.MismatchRamRole',
          InstanceId: C,
          Success: false,
        }),
      ],
    });
    const detached = await callRpc(emu, sts, {
      action: 'DetachInstanceRamRole',
      query: { RegionId: HANGZHOU, InstanceIds: ids(A) },
    });
    expect(detached.body.DetachInstanceRamRoleResults).toMatchObject({
      DetachInstanceRamRoleResult: [{ Code: 200, InstanceId: A, Success: true }],
    });
  });

  it('refuses a behaviour it does not know', async () => {
    await expect(
      start({ seed: testSeed(), credentials, behaviour: { alreadyAttachedCode: 'no spaces' } }),
    ).rejects.toThrow(/alreadyAttachedCode/);
  });

  it('accepts a Policy up to 1024 characters', async () => {
    const { emu, ecs } = await fresh();
    const policy = JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:Get*', Resource: '*' }],
    });
    expect((await attach(ecs, 'EcsAppRole', ids(A), policy)).body?.failCount).toBe(0);
    expect(emu.state.instance(A)?.role).toBe('EcsAppRole');
    await expectSdkError(attach(ecs, 'EcsAppRole', ids(F), 'x'.repeat(1025)), {
      code: 'InvalidParameter',
      statusCode: 400,
    });
    expect(emu.state.instance(F)?.role).toBeNull();
  });

  it('fails the whole call for an unknown role, a role that does not trust ECS, or bad ids', async () => {
    const { emu, ecs } = await fresh();
    await expectSdkError(attach(ecs, 'NoSuchRole', ids(A)), {
      code: 'InvalidRamRole.NotFound',
      statusCode: 404,
    });
    await expectSdkError(attach(ecs, 'NotForEcsRole', ids(A)), {
      code: 'InvalidRamRole.NotEcsRole',
      statusCode: 404,
    });
    await expectSdkError(attach(ecs, 'EcsAppRole', '["i-bad id"]'), {
      code: 'InvalidInstanceIds.Malformed',
      statusCode: 400,
    });
    await expectSdkError(attach(ecs, 'EcsAppRole', '[]'), {
      code: 'MissingParameter.InstanceIds',
      statusCode: 400,
    });
    const many = Array.from({ length: 101 }, (_, n) => `i-bp1${String(n).padStart(17, '0')}`);
    await expectSdkError(attach(ecs, 'EcsAppRole', JSON.stringify(many)), {
      code: 'InvalidParameter',
      statusCode: 400,
    });
    expect(emu.state.instance(A)?.role).toBeNull();
  });

  it('sees a role whose trust changes', async () => {
    const { emu, ecs } = await fresh();
    emu.state.setRoleTrustsEcs('EcsAppRole', false);
    await expectSdkError(attach(ecs, 'EcsAppRole', ids(A)), {
      code: 'InvalidRamRole.NotEcsRole',
      statusCode: 404,
    });
    emu.state.addRole({ name: 'LateRole' });
    expect((await attach(ecs, 'LateRole', ids(A))).body?.failCount).toBe(0);
  });
});

describe('DetachInstanceRamRole', () => {
  const detach = (ecs: EcsSdkClient, instanceIds: string, ramRoleName?: string) =>
    ecs.detachInstanceRamRole(
      new DetachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        instanceIds,
        ...(ramRoleName === undefined ? {} : { ramRoleName }),
      }),
    );

  it('detaches and reports each instance', async () => {
    const { emu, ecs } = await fresh();
    emu.state.setRole(F, 'EcsPaymentsRole');
    const res = await detach(ecs, ids(B, A, UNKNOWN, F), 'EcsAppRole');
    expect(res.body).toMatchObject({ totalCount: 4, failCount: 3, ramRoleName: 'EcsAppRole' });
    const results = res.body?.detachInstanceRamRoleResults?.detachInstanceRamRoleResult ?? [];
    expect(results.map((r) => [r.instanceId, r.code, r.success])).toEqual([
      [B, '200', true],
      [A, 'InvalidRamRole.NotAttached', false],
      [UNKNOWN, 'InvalidInstanceId.NotFound', false],
      [F, 'InvalidRamRole.Mismatch', false],
    ]);
    expect(results[0]?.instanceRamRoleSets?.instanceRamRoleSet).toEqual([
      { instanceId: B, ramRoleName: 'EcsAppRole' },
    ]);
    expect(results[3]?.instanceRamRoleSets?.instanceRamRoleSet).toEqual([
      { instanceId: F, ramRoleName: 'EcsPaymentsRole' },
    ]);
    expect(emu.state.roleAssignments()).toMatchObject({ [B]: null, [F]: 'EcsPaymentsRole' });
  });

  it('detaches whatever role is attached when no RamRoleName is given', async () => {
    const { emu, ecs } = await fresh();
    const res = await detach(ecs, ids(B));
    expect(res.body).toMatchObject({ failCount: 0, ramRoleName: 'EcsAppRole' });
    expect(emu.state.instance(B)?.role).toBeNull();
  });

  it('fails the whole call for an unknown role or missing ids', async () => {
    const { emu, ecs } = await fresh();
    await expectSdkError(detach(ecs, ids(B), 'NoSuchRole'), {
      code: 'InvalidRamRole.NotFound',
      statusCode: 404,
    });
    await expectSdkError(detach(ecs, '[]'), { code: 'MissingParameter.InstanceIds', statusCode: 400 });
    expect(emu.state.instance(B)?.role).toBe('EcsAppRole');
  });
});

describe('a replace through the SDK (detach, then attach)', () => {
  it('ends with the new role, seen by DescribeInstanceRamRole', async () => {
    const { ecs } = await fresh();
    const long = ecsClient((await fresh()).emu, ak); // another emulator: state is per emulator
    await ecs.detachInstanceRamRole(
      new DetachInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(B) }),
    );
    await ecs.attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName: 'EcsPaymentsRole',
        instanceIds: ids(B),
      }),
    );
    const roles = await ecs.describeInstanceRamRole(
      new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(B) }),
    );
    expect(roles.body?.instanceRamRoleSets?.instanceRamRoleSet).toEqual([
      { instanceId: B, ramRoleName: 'EcsPaymentsRole' },
    ]);
    const other = await long.describeInstanceRamRole(
      new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: ids(B) }),
    );
    expect(other.body?.instanceRamRoleSets?.instanceRamRoleSet?.[0]?.ramRoleName).toBe('EcsAppRole');
  });
});
