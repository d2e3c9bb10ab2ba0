import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachInstanceRamRoleRequest,
  DeleteInstancesRequest,
  DescribeInstancesRequest,
  DetachInstanceRamRoleRequest,
  RunInstancesRequest,
  RunInstancesRequestTag,
  TagResourcesRequest,
  TagResourcesRequestTag,
  UntagResourcesRequest,
} from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { EcsCloudEvent, EcsEmulator, EcsEmulatorOptions } from '../../../local/ecs-emulator/index.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import type { InstanceRef } from '../../../shared/events/instance-ref.js';
import {
  A,
  B,
  callRpc,
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
const sts = credentials.issueSts();
const ACCOUNT = '1234567890123456';
const IMAGE = 'aliyun_3_x64_20G_alibase_20260101.vhd';

interface Fresh {
  emu: EcsEmulator;
  ecs: EcsSdkClient;
  /** Every event the emulator published, in order. */
  events: EcsCloudEvent[];
}

async function fresh(options: Partial<EcsEmulatorOptions> = {}): Promise<Fresh> {
  const events: EcsCloudEvent[] = [];
  const emu = await start({ seed: testSeed(), credentials, onEvent: (e) => events.push(e), ...options });
  return { emu, ecs: ecsClient(emu, sts), events };
}

const run = (ecs: EcsSdkClient, fields: Record<string, unknown> = {}) =>
  ecs.runInstances(
    new RunInstancesRequest({
      regionId: HANGZHOU,
      imageId: IMAGE,
      instanceType: 'ecs.g7.large',
      ...fields,
    }),
  );

async function launch(ecs: EcsSdkClient, fields: Record<string, unknown> = {}): Promise<string[]> {
  const res = await run(ecs, fields);
  return res.body?.instanceIdSets?.instanceIdSet ?? [];
}

const describeIds = async (ecs: EcsSdkClient, ...ids: string[]) =>
  (
    await ecs.describeInstances(
      new DescribeInstancesRequest({ regionId: HANGZHOU, instanceIds: JSON.stringify(ids) }),
    )
  ).body?.instances?.instance ?? [];

/** A compact view of an event: its type and what it says. */
function summary(event: EcsCloudEvent): string {
  const data = event.data;
  if (event.type === 'ecs:Instance:StateChange')
    return `state ${String(data.resourceId)} ${String(data.state)}`;
  if (event.type === 'tag:Tag:ChangeOnResource') return `tags ${String(data.resourceId)}`;
  return `trail ${String(data.eventName)}`;
}

/** The refs the function's decoder finds in one event (the decoder is the contract), without poison. */
function decode(event: EcsCloudEvent): { refs: InstanceRef[]; ignored: number } {
  const decoded = decodeEvent(Buffer.from(JSON.stringify(event)), {
    defaultRegionId: 'cn-beijing',
    defaultAccountId: '999',
  });
  expect(decoded.poison).toEqual([]);
  return { refs: decoded.refs, ignored: decoded.ignored.length };
}

const refsOf = (event: EcsCloudEvent) =>
  decode(event).refs.map((r) => [r.instanceId, r.regionId, r.accountId, r.reason, r.eventId]);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let n = 0; n < 300; n += 1) {
    if (check()) return;
    await sleep(10);
  }
  expect.fail(`timed out waiting for ${what}`);
}

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/events/${path}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
const keysOf = (value: unknown) => Object.keys(value as Record<string, unknown>).sort();

describe('RunInstances', () => {
  it('creates Amount instances with the tags and returns real-looking ids, an order and a price', async () => {
    const { emu, ecs } = await fresh();
    const res = await run(ecs, {
      amount: 3,
      instanceName: 'web-node',
      vSwitchId: 'vsw-bp1abcdefg',
      tag: [new RunInstancesRequestTag({ key: 'app', value: 'web' }), { key: 'env', value: 'prod' }],
    });
    const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^i-bp1[a-z0-9]{17}$/);
    expect(res.body?.orderId).toMatch(/^\d{15}$/);
    expect(res.body?.tradePrice).toBeGreaterThan(0);
    for (const id of ids) {
      expect(emu.state.instance(id)).toMatchObject({
        region: HANGZHOU,
        network: 'vpc',
        tags: { app: 'web', env: 'prod' },
        role: null,
        name: 'web-node',
        instanceType: 'ecs.g7.large',
        firstRoleAt: null,
      });
      expect(emu.state.instance(id)?.launchedAt).toEqual(expect.any(Number));
    }
    await emu.settle();
    const listed = await describeIds(ecs, ...ids);
    expect(listed.map((i) => [i.instanceId, i.status, i.instanceName, i.instanceNetworkType])).toEqual(
      ids.map((id) => [id, 'Running', 'web-node', 'vpc']),
    );
    expect(listed[0]?.tags?.tag).toEqual([
      { tagKey: 'app', tagValue: 'web' },
      { tagKey: 'env', tagValue: 'prod' },
    ]);
    expect(listed[0]?.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
  });

  it('uses the region’s id prefix (and xx0 where none is known), and classic only when asked', async () => {
    const { emu } = await fresh();
    const shanghai = await launch(ecsClient(emu, sts, { regionId: 'cn-shanghai' }), {
      regionId: 'cn-shanghai',
    });
    expect(shanghai[0]).toMatch(/^i-uf6[a-z0-9]{17}$/);
    const nanjing = await launch(ecsClient(emu, sts), { regionId: 'cn-nanjing' });
    expect(nanjing[0]).toMatch(/^i-xx0[a-z0-9]{17}$/);
    const classic = await callRpc(emu, sts, {
      action: 'RunInstances',
      query: { RegionId: HANGZHOU, ImageId: IMAGE, InstanceType: 'ecs.g7.large', NetworkType: 'classic' },
    });
    const id = (classic.body.InstanceIdSets as { InstanceIdSet: string[] }).InstanceIdSet[0] ?? '';
    expect(emu.state.instance(id)?.network).toBe('classic');
  });

  it('goes Pending → Starting → Running, with an event per step and the ActionTrail record in between', async () => {
    const { emu, ecs, events } = await fresh({
      lifecycle: { pendingMs: 40, startingMs: 40 },
      actionTrailDelayMs: 10,
    });
    const res = await run(ecs, {
      amount: 2,
      tag: [{ key: 'app', value: 'web' }],
    });
    const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
    const [first, second] = ids as [string, string];
    await emu.settle();
    expect(events.map(summary)).toEqual([
      `state ${first} Pending`,
      `state ${second} Pending`,
      'trail RunInstances',
      `state ${first} Starting`,
      `state ${second} Starting`,
      `state ${first} Running`,
      `state ${second} Running`,
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    expect(events[0]).toMatchObject({
      source: 'acs.ecs',
      specversion: '1.0',
      type: 'ecs:Instance:StateChange',
      subject: `acs:ecs:${HANGZHOU}:${ACCOUNT}:instance/${first}`,
      aliyunaccountid: ACCOUNT,
      aliyunregionid: HANGZHOU,
      aliyuneventbusname: 'default',
      data: { resourceId: first, resourceType: 'ALIYUN::ECS::Instance', state: 'Pending' },
    });
    expect(events[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const trail = events[2];
    expect(trail).toMatchObject({
      source: 'acs.actiontrail',
      type: 'actiontrail:ActionTrail:ApiCall',
      subject: `acs:ecs:${HANGZHOU}:${ACCOUNT}:instance/${first}`,
      aliyunregionid: HANGZHOU,
      aliyunaccountid: ACCOUNT,
      data: {
        eventId: res.body?.requestId,
        requestId: res.body?.requestId,
        eventName: 'RunInstances',
        eventType: 'ApiCall',
        eventRW: 'Write',
        serviceName: 'Ecs',
        apiVersion: '2014-05-26',
        acsRegion: HANGZHOU,
        referencedResources: { 'ACS::ECS::Instance': ids },
        responseElements: {
          RequestId: res.body?.requestId,
          InstanceIdSets: { InstanceIdSet: ids },
          OrderId: res.body?.orderId,
          TradePrice: res.body?.tradePrice,
        },
        userIdentity: {
          type: 'assumed-role',
          accountId: ACCOUNT,
          principalId: expect.stringMatching(/^2\d{17}:session$/),
          accessKeyId: sts.accessKeyId,
        },
      },
    });
    // As the caller sent them, typed like the samples, and nothing of the protocol (no signature, no token).
    expect(trail?.data.requestParameters).toEqual({
      RegionId: HANGZHOU,
      Amount: 2,
      ImageId: IMAGE,
      InstanceType: 'ecs.g7.large',
      'Tag.1.Key': 'app',
      'Tag.1.Value': 'web',
    });
    expect(trail?.data.userAgent).toMatch(/^AlibabaCloud/);

    // The decoder (the contract) finds the new instances in every one of these events.
    for (const event of events) {
      const expected = event.type === 'actiontrail:ActionTrail:ApiCall' ? ids : [event.data.resourceId];
      expect(refsOf(event)).toEqual(expected.map((id) => [id, HANGZHOU, ACCOUNT, 'created', event.id]));
    }
  });

  it('shows each step to DescribeInstances as it happens', async () => {
    const { emu, ecs, events } = await fresh({ lifecycle: { pendingMs: 20, startingMs: 60_000 } });
    const [id = ''] = await launch(ecs);
    expect((await describeIds(ecs, id))[0]?.status).toBe('Pending');
    await until(() => events.some((e) => e.data.state === 'Starting'), 'the Starting event');
    // The event goes out once the API already shows the new state.
    expect((await describeIds(ecs, id))[0]?.status).toBe('Starting');
    expect(emu.pendingWork).toBe(1);
    emu.flush(); // as if the 60 s had passed
    expect((await describeIds(ecs, id))[0]?.status).toBe('Running');
    expect(events.map(summary)).toEqual([
      `state ${id} Pending`,
      'trail RunInstances',
      `state ${id} Starting`,
      `state ${id} Running`,
    ]);
  });

  it('keeps a new instance invisible to Describe, Attach and the tag APIs until the visibility lag has passed', async () => {
    const { emu, ecs, events } = await fresh({ visibilityLagMs: 60_000 });
    const ids = await launch(ecs, { amount: 2 });
    const [first = '', second = ''] = ids;
    expect(emu.state.instance(first)?.visible).toBe(false);
    expect(await describeIds(ecs, ...ids)).toEqual([]);
    const all = await ecs.describeInstances(new DescribeInstancesRequest({ regionId: HANGZHOU }));
    expect(all.body?.instances?.instance?.map((i) => i.instanceId)).not.toContain(first);

    const attached = await ecs.attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName: 'EcsAppRole',
        instanceIds: JSON.stringify([first, A]),
      }),
    );
    expect(
      attached.body?.attachInstanceRamRoleResults?.attachInstanceRamRoleResult?.map((r) => [
        r.instanceId,
        r.code,
      ]),
    ).toEqual([
      [first, 'InvalidInstanceId.NotFound'],
      [A, '200'],
    ]);
    await expectSdkError(
      ecs.tagResources(
        new TagResourcesRequest({
          regionId: HANGZHOU,
          resourceType: 'instance',
          resourceId: [second],
          tag: [{ key: 'app', value: 'web' }],
        }),
      ),
      { code: 'InvalidResourceId.NotFound', statusCode: 404 },
    );

    // Meanwhile the Pending events are out already: the race a consumer of these events really faces.
    await until(() => events.filter((e) => e.data.state === 'Pending').length === 2, 'the Pending events');

    emu.flush(); // the lag passes
    expect((await describeIds(ecs, ...ids)).map((i) => i.instanceId)).toEqual(ids);
    const retried = await ecs.attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName: 'EcsAppRole',
        instanceIds: JSON.stringify([first]),
      }),
    );
    expect(retried.body?.failCount).toBe(0);
    const instance = emu.state.instance(first);
    expect(instance?.role).toBe('EcsAppRole');
    expect(instance?.firstRoleAt).toBeGreaterThanOrEqual(instance?.launchedAt ?? Number.POSITIVE_INFINITY);
  });

  it('refuses bad parameters with the real codes, creating nothing and emitting nothing', async () => {
    const { emu, ecs, events } = await fresh();
    const before = emu.state.instances().length;
    const cases: Array<[Record<string, unknown>, string, number]> = [
      [{ amount: 0 }, 'InvalidParameter', 400],
      [{ amount: 101 }, 'InvalidParameter', 400],
      [{ regionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound', 404],
      [{ imageId: undefined }, 'MissingParameter', 400],
      [{ instanceType: 'm5.large' }, 'InvalidInstanceType.ValueNotSupported', 400],
      [{ instanceName: 'http://x' }, 'InvalidInstanceName.Malformed', 400],
      [{ vSwitchId: 'nope' }, 'InvalidVSwitchId.NotFound', 404],
      [{ tag: [{ key: 'aliyun-owned', value: 'x' }] }, 'InvalidTagKey.Malformed', 400],
      [{ tag: [{ key: 'acs:thing', value: 'x' }] }, 'InvalidTagKey.Malformed', 400],
      [{ tag: [{ key: 'k'.repeat(129), value: 'x' }] }, 'InvalidTagKey.Malformed', 400],
      [{ tag: [{ key: 'site', value: 'https://example.com' }] }, 'InvalidTagValue.Malformed', 400],
      [{ tag: [{ key: 'v', value: 'v'.repeat(129) }] }, 'InvalidTagValue.Malformed', 400],
      [
        { tag: Array.from({ length: 21 }, (_, n) => ({ key: `k${n}`, value: 'v' })) },
        'NumberExceed.Tags',
        400,
      ],
      [
        {
          tag: [
            { key: 'app', value: 'a' },
            { key: 'app', value: 'b' },
          ],
        },
        'Duplicate.TagKey',
        400,
      ],
      [{ dryRun: true }, 'DryRunOperation', 400],
    ];
    for (const [fields, code, statusCode] of cases) {
      await expectSdkError(run(ecs, fields), { code, statusCode });
    }
    // Limits are inclusive: 128-character keys and values and 100 instances are fine.
    await launch(ecs, { tag: [{ key: 'k'.repeat(128), value: 'v'.repeat(128) }] });
    expect((await launch(ecs, { amount: 100 })).length).toBe(100);
    expect(emu.state.instances().length).toBe(before + 101);
    await emu.settle();
    expect(events.filter((e) => e.type === 'actiontrail:ActionTrail:ApiCall')).toHaveLength(2);
  });
});

describe('DeleteInstances', () => {
  const del = (ecs: EcsSdkClient, ids: string[], force?: boolean) =>
    ecs.deleteInstances(
      new DeleteInstancesRequest({
        regionId: HANGZHOU,
        instanceId: ids,
        ...(force === undefined ? {} : { force }),
      }),
    );

  it('releases instances: Deleted, gone from Describe, with a state change and an ActionTrail event', async () => {
    const { emu, ecs, events } = await fresh();
    const res = await del(ecs, [A, F], true);
    expect(res.statusCode).toBe(200);
    expect(res.body?.requestId).toEqual(expect.any(String));
    expect(emu.state.instance(A)?.status).toBe('Deleted');
    expect(await describeIds(ecs, A, F, B)).toHaveLength(1);
    await emu.settle();
    expect(events.map(summary)).toEqual([
      `state ${A} Deleted`,
      `state ${F} Deleted`,
      'trail DeleteInstances',
    ]);
    expect(events[2]?.data).toMatchObject({
      eventName: 'DeleteInstances',
      requestParameters: { RegionId: HANGZHOU, 'InstanceId.1': A, 'InstanceId.2': F, Force: true },
      referencedResources: { 'ACS::ECS::Instance': [A, F] },
    });
    // Nothing to attach to a released instance, and DeleteInstances is no creation or tag change: ignored.
    for (const event of events) expect(decode(event)).toEqual({ refs: [], ignored: 1 });
    await expectSdkError(del(ecs, [A], true), { code: 'InvalidInstanceId.NotFound', statusCode: 404 });
  });

  it('needs Force for an instance that is not Stopped, and fails all-or-nothing on unknown ids', async () => {
    const { emu, ecs, events } = await fresh();
    await expectSdkError(del(ecs, [F, A]), { code: 'IncorrectInstanceStatus', statusCode: 403 });
    await expectSdkError(del(ecs, [F, UNKNOWN], true), {
      code: 'InvalidInstanceId.NotFound',
      statusCode: 404,
    });
    await expectSdkError(del(ecs, []), { code: 'MissingParameter', statusCode: 400 });
    expect(emu.state.instance(F)?.status).toBe('Stopped');
    await del(ecs, [F]); // Stopped: no Force needed
    expect(emu.state.instance(F)?.status).toBe('Deleted');
    await emu.settle();
    expect(events.map(summary)).toEqual([`state ${F} Deleted`, 'trail DeleteInstances']);
  });

  it('ends the lifecycle of an instance released while it starts', async () => {
    const { emu, ecs, events } = await fresh({ lifecycle: { pendingMs: 60_000, startingMs: 0 } });
    const [id = ''] = await launch(ecs);
    await del(ecs, [id], true);
    emu.flush();
    expect(events.filter((e) => e.type === 'ecs:Instance:StateChange').map((e) => e.data.state)).toEqual([
      'Pending',
      'Deleted',
    ]);
    expect(emu.state.instance(id)?.status).toBe('Deleted');
  });
});

describe('TagResources and UntagResources', () => {
  const tag = (
    ecs: EcsSdkClient,
    ids: string[],
    tags: Array<{ key: string; value?: string }>,
    type = 'instance',
  ) =>
    ecs.tagResources(
      new TagResourcesRequest({
        regionId: HANGZHOU,
        resourceType: type,
        resourceId: ids,
        tag: tags.map((t) => new TagResourcesRequestTag(t)),
      }),
    );
  const untag = (ecs: EcsSdkClient, ids: string[], fields: { tagKey?: string[]; all?: boolean }) =>
    ecs.untagResources(
      new UntagResourcesRequest({ regionId: HANGZHOU, resourceType: 'instance', resourceId: ids, ...fields }),
    );

  it('sets tags and emits a tag change per changed instance, then the ActionTrail record', async () => {
    const { emu, ecs, events } = await fresh({ actionTrailDelayMs: 30 });
    // A already has env=prod: only app is new there. B gets both.
    const res = await tag(
      ecs,
      [A, B],
      [
        { key: 'app', value: 'web' },
        { key: 'env', value: 'prod' },
      ],
    );
    expect(emu.state.instance(A)?.tags).toEqual({ team: 'payments', env: 'prod', app: 'web' });
    expect(emu.state.instance(B)?.tags).toEqual({ team: 'payments', env: 'prod', app: 'web' });
    await emu.settle();
    expect(events.map(summary)).toEqual([`tags ${A}`, `tags ${B}`, 'trail TagResources']);
    expect(events[0]).toMatchObject({
      source: 'acs.tag',
      type: 'tag:Tag:ChangeOnResource',
      aliyunaccountid: ACCOUNT,
      aliyunregionid: HANGZHOU,
      data: {
        product: 'ecs',
        resourceType: 'instance',
        resourceId: A,
        changedTagKeys: ['app'],
        tags: { team: 'payments', env: 'prod', app: 'web' },
      },
    });
    expect(events[1]?.data.changedTagKeys).toEqual(['app', 'env']);
    const trail = events[2];
    expect(trail?.subject).toBeUndefined();
    expect(trail?.data).toMatchObject({
      eventName: 'TagResources',
      requestId: res.body?.requestId,
      requestParameters: {
        RegionId: HANGZHOU,
        ResourceType: 'instance',
        'ResourceId.1': A,
        'ResourceId.2': B,
        'Tag.1.Key': 'app',
        'Tag.1.Value': 'web',
        'Tag.2.Key': 'env',
        'Tag.2.Value': 'prod',
      },
      responseElements: { RequestId: res.body?.requestId },
      referencedResources: { 'ACS::ECS::Instance': [A, B] },
    });
    for (const event of events) {
      const expected = event.type === 'actiontrail:ActionTrail:ApiCall' ? [A, B] : [event.data.resourceId];
      expect(refsOf(event)).toEqual(expected.map((id) => [id, HANGZHOU, ACCOUNT, 'tag-change', event.id]));
    }

    // Tagging with what is already there changes nothing: no tag event, only the ActionTrail record.
    events.length = 0;
    await tag(ecs, [A], [{ key: 'app', value: 'web' }]);
    await emu.settle();
    expect(events.map(summary)).toEqual(['trail TagResources']);
  });

  it('removes keys, or everything with All, and reports the removed keys', async () => {
    const { emu, ecs, events } = await fresh();
    await untag(ecs, [A, B], { tagKey: ['env', 'nope'] });
    expect(emu.state.instance(A)?.tags).toEqual({ team: 'payments' });
    await untag(ecs, [F], { all: true });
    expect(emu.state.instance(F)?.tags).toEqual({});
    await emu.settle();
    expect(events.map(summary)).toEqual([
      `tags ${A}`,
      `tags ${B}`,
      'trail UntagResources',
      `tags ${F}`,
      'trail UntagResources',
    ]);
    expect(events[0]?.data).toMatchObject({ changedTagKeys: ['env'], tags: { team: 'payments' } });
    expect(events[3]?.data).toMatchObject({ changedTagKeys: ['team', 'app'], tags: {} });
    expect(events[2]?.data.requestParameters).toEqual({
      RegionId: HANGZHOU,
      ResourceType: 'instance',
      'ResourceId.1': A,
      'ResourceId.2': B,
      'TagKey.1': 'env',
      'TagKey.2': 'nope',
    });
    expect(events[4]?.data.requestParameters).toMatchObject({ All: true });
    for (const event of events) {
      expect(decode(event).refs.every((r) => r.reason === 'tag-change')).toBe(true);
    }
  });

  it('validates like the real API, all or nothing', async () => {
    const { emu, ecs, events } = await fresh();
    const many = Array.from({ length: 51 }, (_, n) => `i-bp1${String(n).padStart(17, '0')}`);
    const cases: Array<[Promise<unknown>, string, number]> = [
      [tag(ecs, many, [{ key: 'a', value: 'b' }]), 'NumberExceed.ResourceIds', 400],
      [tag(ecs, [A, UNKNOWN], [{ key: 'a', value: 'b' }]), 'InvalidResourceId.NotFound', 404],
      [tag(ecs, [A], [{ key: 'a', value: 'b' }], 'disk'), 'InvalidResourceId.NotFound', 404],
      [tag(ecs, [A], [{ key: 'a', value: 'b' }], 'spaceship'), 'InvalidResourceType.NotFound', 404],
      [tag(ecs, [A], []), 'MissingParameter.Tags', 404],
      [tag(ecs, [A], [{ key: 'aliyun-x', value: 'b' }]), 'InvalidTagKey.Malformed', 400],
      [tag(ecs, [A], [{ key: '', value: 'b' }]), 'InvalidTagKey.Malformed', 400],
      [tag(ecs, [A], [{ key: 'a', value: 'x'.repeat(129) }]), 'InvalidTagValue.Malformed', 400],
      [
        tag(
          ecs,
          [A],
          Array.from({ length: 21 }, (_, n) => ({ key: `k${n}`, value: 'v' })),
        ),
        'NumberExceed.Tags',
        400,
      ],
      // A has 2 tags: 19 more is over the 20 a resource may carry.
      [
        tag(
          ecs,
          [A],
          Array.from({ length: 19 }, (_, n) => ({ key: `k${n}`, value: 'v' })),
        ),
        'OperationDenied.QuotaExceed',
        400,
      ],
      [untag(ecs, [A], {}), 'InvalidParameter', 400],
      [untag(ecs, [A], { tagKey: ['acs:x'] }), 'InvalidTagKey.Malformed', 400],
    ];
    for (const [call, code, statusCode] of cases) await expectSdkError(call, { code, statusCode });
    await expectSdkError(
      callRpc(emu, sts, {
        action: 'TagResources',
        query: { RegionId: HANGZHOU, 'ResourceId.1': A, 'Tag.1.Key': 'a' },
      }),
      { code: 'MissingParameter.ResourceType', statusCode: 404 },
    );
    expect(emu.state.instance(A)?.tags).toEqual({ team: 'payments', env: 'prod' });
    // 18 more is exactly 20; a key with no value is the empty string; INSTANCE is accepted as instance.
    await tag(
      ecs,
      [A],
      Array.from({ length: 18 }, (_, n) => ({ key: `k${n}`, ...(n === 0 ? {} : { value: 'v' }) })),
      'INSTANCE',
    );
    expect(Object.keys(emu.state.instance(A)?.tags ?? {})).toHaveLength(20);
    expect(emu.state.instance(A)?.tags.k0).toBe('');
    await emu.settle();
    expect(events.map(summary)).toEqual([`tags ${A}`, 'trail TagResources']);
  });
});

describe('ActionTrail records of the RAM role calls', () => {
  it('records Attach and Detach (the decoder ignores them) and never the reads', async () => {
    const { emu, ecs, events } = await fresh();
    await ecs.describeInstances(new DescribeInstancesRequest({ regionId: HANGZHOU }));
    const attached = await ecs.attachInstanceRamRole(
      new AttachInstanceRamRoleRequest({
        regionId: HANGZHOU,
        ramRoleName: 'EcsAppRole',
        instanceIds: JSON.stringify([A, UNKNOWN]),
      }),
    );
    await ecs.detachInstanceRamRole(
      new DetachInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: JSON.stringify([B]) }),
    );
    await expectSdkError(
      ecs.attachInstanceRamRole(
        new AttachInstanceRamRoleRequest({
          regionId: HANGZHOU,
          ramRoleName: 'NoSuchRole',
          instanceIds: JSON.stringify([A]),
        }),
      ),
      { code: 'InvalidRamRole.NotFound', statusCode: 404 },
    );
    await emu.settle();
    expect(events.map(summary)).toEqual(['trail AttachInstanceRamRole', 'trail DetachInstanceRamRole']);
    expect(events[0]).toMatchObject({
      subject: `acs:ecs:${HANGZHOU}:${ACCOUNT}:instance/${A}`,
      data: {
        requestParameters: {
          RegionId: HANGZHOU,
          RamRoleName: 'EcsAppRole',
          InstanceIds: JSON.stringify([A, UNKNOWN]),
        },
        responseElements: {
          RequestId: attached.body?.requestId,
          FailCount: 1,
          TotalCount: 2,
          RamRoleName: 'EcsAppRole',
        },
        referencedResources: { 'ACS::ECS::Instance': [A, UNKNOWN] },
      },
    });
    for (const event of events) expect(decode(event)).toEqual({ refs: [], ignored: 1 });
  });

  it('never records the signature or the token of a legacy-signed call', async () => {
    const ak = credentials.issueAccessKey();
    const { emu, events } = await fresh();
    await ecsClient(emu, sts, { signatureAlgorithm: 'v2' }).tagResources(
      new TagResourcesRequest({
        regionId: HANGZHOU,
        resourceType: 'instance',
        resourceId: [A],
        tag: [{ key: 'app', value: 'web' }],
      }),
    );
    await ecsClient(emu, ak, { signatureAlgorithm: 'v2' }).untagResources(
      new UntagResourcesRequest({
        regionId: HANGZHOU,
        resourceType: 'instance',
        resourceId: [A],
        tagKey: ['app'],
      }),
    );
    await emu.settle();
    const trails = events.filter((e) => e.type === 'actiontrail:ActionTrail:ApiCall');
    expect(Object.keys(trails[0]?.data.requestParameters as object).sort()).toEqual([
      'RegionId',
      'ResourceId.1',
      'ResourceType',
      'Tag.1.Key',
      'Tag.1.Value',
    ]);
    expect(JSON.stringify(events)).not.toContain(sts.securityToken);
    expect(trails[1]?.data.userIdentity).toMatchObject({ type: 'ram-user', accessKeyId: ak.accessKeyId });
  });
});

describe('events', () => {
  it('have the shapes of the fixtures the decoder and the EventBridge patterns are written against', async () => {
    const { emu, ecs, events } = await fresh();
    const [id = ''] = await launch(ecs);
    await ecs.tagResources(
      new TagResourcesRequest({
        regionId: HANGZHOU,
        resourceType: 'instance',
        resourceId: [id],
        tag: [{ key: 'app', value: 'web' }],
      }),
    );
    await emu.settle();
    const find = (type: string, name?: string) =>
      events.find((e) => e.type === type && (name === undefined || e.data.eventName === name));
    const state = find('ecs:Instance:StateChange');
    const runTrail = find('actiontrail:ActionTrail:ApiCall', 'RunInstances');
    const tagTrail = find('actiontrail:ActionTrail:ApiCall', 'TagResources');
    const tagChange = find('tag:Tag:ChangeOnResource');

    const pending = fixture('eb-instance-state-pending.json');
    expect(keysOf(state)).toEqual(keysOf(pending));
    expect(keysOf(state?.data)).toEqual(keysOf(pending.data));
    const runFixture = fixture('eb-actiontrail-runinstances.json');
    expect(keysOf(runTrail)).toEqual(keysOf(runFixture));
    expect(keysOf(runTrail?.data)).toEqual(keysOf(runFixture.data));
    expect(keysOf(runTrail?.data.userIdentity)).toEqual(
      [...keysOf((runFixture.data as Record<string, unknown>).userIdentity), 'accessKeyId'].sort(),
    );
    const tagFixture = fixture('eb-actiontrail-tagresources.json');
    expect(keysOf(tagTrail)).toEqual(keysOf(tagFixture));
    expect(keysOf(tagTrail?.data)).toEqual(expect.arrayContaining(keysOf(tagFixture.data)));
    const changeFixture = fixture('variants/eb-tag-change.json');
    expect(keysOf(tagChange)).toEqual(keysOf(changeFixture));
    expect(keysOf(tagChange?.data)).toEqual(keysOf(changeFixture.data));
    // The content of the CloudMonitor form of the same event.
    expect(keysOf(tagChange?.data)).toEqual(keysOf(fixture('cms-tag-change.json').content));
  });

  it('reach the events emitter too, and a failing listener stops neither the others nor the emulator', async () => {
    const errors: unknown[] = [];
    const { emu, ecs, events } = await fresh({
      onEventError: (e) => errors.push(e),
    });
    const seen: string[] = [];
    emu.events.on('event', () => {
      throw new Error('listener bug');
    });
    emu.events.on('event', (e) => seen.push(e.id));
    await launch(ecs);
    await emu.settle();
    expect(seen).toEqual(events.map((e) => e.id));
    expect(seen.length).toBeGreaterThan(0);
    expect(errors).toHaveLength(seen.length);
  });

  it('stop with close(): pending lifecycle work is cancelled', async () => {
    const events: EcsCloudEvent[] = [];
    const emu = await start({
      seed: testSeed(),
      credentials,
      onEvent: (e) => events.push(e),
      lifecycle: { pendingMs: 50, startingMs: 50 },
    });
    await launch(ecsClient(emu, sts));
    await until(() => events.length >= 1, 'the Pending event');
    await emu.close();
    expect(emu.pendingWork).toBe(0);
    await sleep(150);
    expect(events.map(summary).filter((s) => s.startsWith('state'))).toHaveLength(1);
    await emu.settle(); // nothing left to wait for
  });
});
