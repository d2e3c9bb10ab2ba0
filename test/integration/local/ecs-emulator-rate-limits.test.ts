import {
  AttachInstanceRamRoleRequest,
  DescribeInstanceRamRoleRequest,
  DescribeInstancesRequest,
  RunInstancesRequest,
} from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { EcsCloudEvent, EcsEmulator, EcsEmulatorOptions } from '../../../local/ecs-emulator/index.js';
import { captureEcsRequests } from '../../unit/local/signature/sdk-capture.js';
import {
  A,
  B,
  type EcsSdkClient,
  ecsClient,
  emulators,
  expectSdkError,
  HANGZHOU,
  type SdkError,
  sendRaw,
  testSeed,
} from './ecs-emulator-support.js';

const start = emulators();
const credentials = new CredentialStore();
const sts = credentials.issueSts();

interface Fresh {
  emu: EcsEmulator;
  ecs: EcsSdkClient;
  events: EcsCloudEvent[];
  /** Moves the emulator's clock (the buckets refill on it); the SDK's signatures stay within the 15 min skew. */
  advance(ms: number): void;
}

/** An emulator on a frozen clock, so bucket refills depend on `advance` only, never on how slow the test runs. */
async function fresh(options: Partial<EcsEmulatorOptions> = {}): Promise<Fresh> {
  let clock = Date.now();
  const events: EcsCloudEvent[] = [];
  const emu = await start({
    seed: testSeed(),
    credentials,
    now: () => clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return {
    emu,
    ecs: ecsClient(emu, sts),
    events,
    advance: (ms) => {
      clock += ms;
    },
  };
}

const describeIn = (ecs: EcsSdkClient, regionId = HANGZHOU) =>
  ecs.describeInstances(new DescribeInstancesRequest({ regionId }));
const attach = (ecs: EcsSdkClient, instanceId: string) =>
  ecs.attachInstanceRamRole(
    new AttachInstanceRamRoleRequest({
      regionId: HANGZHOU,
      ramRoleName: 'EcsAppRole',
      instanceIds: JSON.stringify([instanceId]),
    }),
  );

/** Fires `n` calls at once; returns how many succeeded and the errors of the others. */
async function burst(n: number, call: () => Promise<unknown>): Promise<{ ok: number; errors: SdkError[] }> {
  const results = await Promise.allSettled(Array.from({ length: n }, call));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as SdkError] : []));
  return { ok: n - errors.length, errors };
}

const codes = (errors: readonly SdkError[]) => [...new Set(errors.map((e) => e.code))];

describe('per-API rate limits', () => {
  it('throttles exactly the calls over the burst with Throttling.User, logged with their code', async () => {
    const { emu, ecs } = await fresh({ rateLimits: { DescribeInstances: { ratePerSecond: 1, burst: 5 } } });
    const { ok, errors } = await burst(8, () => describeIn(ecs));
    expect(ok).toBe(5);
    expect(errors).toHaveLength(3);
    expect(codes(errors)).toEqual(['Throttling.User']);
    const error = errors[0] as SdkError;
    expect(error).toMatchObject({ name: 'ThrottlingError', statusCode: 400 });
    // No x-acs-retry-after: nothing shows ECS sending one on flow control.
    expect(error.retryAfter).toBeUndefined();
    expect(Object.keys(error.data).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    expect(error.data.Message).toBe('Request was denied due to user flow control.');
    expect(emu.calls.count('DescribeInstances', { status: 400, code: 'Throttling.User' })).toBe(3);
    expect(emu.calls.count('DescribeInstances', { status: 200 })).toBe(5);
    expect(emu.rateLimits.available('DescribeInstances', HANGZHOU)).toBe(0);
  });

  it('keeps one bucket per API and per region', async () => {
    const { ecs } = await fresh({ rateLimits: { DescribeInstances: { ratePerSecond: 0, burst: 2 } } });
    expect((await burst(3, () => describeIn(ecs))).ok).toBe(2);
    expect((await burst(3, () => describeIn(ecs, 'cn-shanghai'))).ok).toBe(2);
    // Another API has no limit at all.
    const roles = await burst(5, () =>
      ecs.describeInstanceRamRole(
        new DescribeInstanceRamRoleRequest({ regionId: HANGZHOU, instanceIds: JSON.stringify([B]) }),
      ),
    );
    expect(roles.ok).toBe(5);
  });

  it('refills at the configured rate, up to the burst', async () => {
    const { ecs, advance } = await fresh({
      rateLimits: { DescribeInstances: { ratePerSecond: 2, burst: 4 } },
    });
    expect((await burst(6, () => describeIn(ecs))).ok).toBe(4);
    advance(1000); // 2 tokens
    expect((await burst(5, () => describeIn(ecs))).ok).toBe(2);
    advance(250); // half a token: not enough
    expect((await burst(1, () => describeIn(ecs))).ok).toBe(0);
    advance(250); // the half that was missing
    expect((await burst(2, () => describeIn(ecs))).ok).toBe(1);
    advance(60_000); // a quiet minute refills only up to the burst
    expect((await burst(10, () => describeIn(ecs))).ok).toBe(4);
  });

  it('applies the default to every API without its own limit', async () => {
    const { emu, ecs } = await fresh({
      rateLimits: { '*': { ratePerSecond: 0, burst: 1 }, DescribeInstances: { ratePerSecond: 0, burst: 3 } },
    });
    expect((await burst(4, () => describeIn(ecs))).ok).toBe(3);
    expect((await burst(3, () => attach(ecs, A))).ok).toBe(1);
    expect(emu.calls.count('AttachInstanceRamRole', { code: 'Throttling.User' })).toBe(2);
  });

  it('takes changes while running: a throttling storm, then a raised limit, then calm', async () => {
    const { emu, ecs, advance } = await fresh();
    expect((await burst(20, () => describeIn(ecs))).ok).toBe(20); // unlimited by default

    emu.rateLimits.setDefault({ ratePerSecond: 1, burst: 2 }); // the storm begins
    emu.latencyMs = 50;
    const began = performance.now();
    const storm = await burst(5, () => describeIn(ecs));
    expect(performance.now() - began).toBeGreaterThanOrEqual(45); // latency applies to throttled answers too
    expect(storm.ok).toBe(2);
    expect(codes(storm.errors)).toEqual(['Throttling.User']);
    expect((await burst(3, () => attach(ecs, A))).ok).toBe(2);
    emu.latencyMs = 0;

    // A higher limit for one API takes effect on its current bucket: empty now, refilling at the new rate.
    emu.rateLimits.set('DescribeInstances', { ratePerSecond: 10, burst: 10 });
    expect((await burst(1, () => describeIn(ecs))).ok).toBe(0);
    advance(500);
    expect((await burst(8, () => describeIn(ecs))).ok).toBe(5);
    // A lower burst caps what a bucket holds.
    advance(10_000);
    emu.rateLimits.set('DescribeInstances', { ratePerSecond: 10, burst: 3 });
    expect((await burst(5, () => describeIn(ecs))).ok).toBe(3);

    emu.rateLimits.setDefault(undefined); // the storm ends; DescribeInstances keeps its own limit
    expect((await burst(6, () => attach(ecs, B))).ok).toBe(6);
    expect(emu.rateLimits.limits()).toEqual({ DescribeInstances: { ratePerSecond: 10, burst: 3 } });
    emu.rateLimits.clear();
    expect((await burst(10, () => describeIn(ecs))).ok).toBe(10);
  });

  it('lets a throttled call change nothing, consume no fault and emit no event', async () => {
    const { emu, ecs, events } = await fresh({
      rateLimits: {
        RunInstances: { ratePerSecond: 0, burst: 1 },
        AttachInstanceRamRole: { ratePerSecond: 0, burst: 0 },
      },
    });
    const run = () =>
      ecs.runInstances(
        new RunInstancesRequest({
          regionId: HANGZHOU,
          imageId: 'img',
          instanceType: 'ecs.g7.large',
          amount: 2,
        }),
      );
    const fault = emu.faults.add({ action: 'AttachInstanceRamRole', code: 'InternalError' });
    await run();
    const before = emu.state.instances().length;
    await expectSdkError(run(), { code: 'Throttling.User', statusCode: 400, name: 'ThrottlingError' });
    await expectSdkError(attach(ecs, A), { code: 'Throttling.User', statusCode: 400 });
    expect(emu.state.instances()).toHaveLength(before);
    expect(emu.state.instance(A)?.role).toBeNull();
    expect(fault.remaining).toBe(1);
    await emu.settle();
    expect(events.filter((e) => e.type === 'actiontrail:ActionTrail:ApiCall')).toHaveLength(1);
  });

  it('answers a throttled call with a JSON error and no retry-after header, and refuses impossible limits', async () => {
    const { emu } = await fresh({ rateLimits: { DescribeInstances: { ratePerSecond: 0, burst: 1 } } });
    const signed = await captureEcsRequests(sts, async (client) => {
      await describeIn(client);
      await describeIn(client);
    });
    const [first, second] = signed;
    if (!first || !second) throw new Error('nothing captured');
    expect((await sendRaw(emu, first)).status).toBe(200);
    const throttled = await sendRaw(emu, second);
    expect(throttled).toMatchObject({ status: 400, body: { Code: 'Throttling.User' } });
    expect(throttled.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(throttled.headers['x-acs-retry-after']).toBeUndefined();
    expect(throttled.headers['x-acs-request-id']).toBe(throttled.body.RequestId);
    expect(() => emu.rateLimits.set('X', { ratePerSecond: -1, burst: 1 })).toThrow(/ratePerSecond/);
    expect(() => emu.rateLimits.set('X', { ratePerSecond: 1, burst: 1.5 })).toThrow(/burst/);
  });
});
