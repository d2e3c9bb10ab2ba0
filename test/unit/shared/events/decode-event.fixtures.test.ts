import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { ACCOUNT, expectWellFormed, listFixtures, OPTIONS, readFixture } from './fixtures.js';

/** The shared fixtures (copied from the project's reference set): exact refs, ignored, and poison codes. */

/** A ref from a state change to a creation state: `Pending` is a launch, `Running` need not be. */
const created = (instanceId: string, regionId: string, eventId: string): InstanceRef => ({
  regionId,
  accountId: ACCOUNT,
  instanceId,
  reason: 'created',
  eventId,
  eventType: 'ecs:Instance:StateChange',
  eventTime: '2026-11-29T04:00:00.000Z',
});
const pending = (...args: Parameters<typeof created>): InstanceRef => ({ ...created(...args), launch: true });

const EXPECTED_REFS: Record<string, InstanceRef[]> = {
  'cms-instance-state-running.json': [
    {
      regionId: 'cn-hangzhou',
      accountId: ACCOUNT,
      instanceId: 'i-bp1pay00000000000001',
      reason: 'created',
      eventId: '9435EAD6-3CF6-4494-8F7A-3A0000000077',
      eventType: 'ECS:Instance:StateChange',
      eventTime: '2026-11-29T04:01:14.058Z',
    },
  ],
  'cms-tag-change.json': [
    {
      regionId: 'cn-hangzhou',
      accountId: ACCOUNT,
      instanceId: 'i-bp1pay00000000000003',
      reason: 'tag-change',
      eventId: '7A0C2E10-0000-4000-8000-0000000000B1',
      eventType: 'tag:Tag:ChangeOnResource',
      eventTime: '2026-11-29T04:03:00.000Z',
    },
  ],
  'eb-actiontrail-runinstances.json': ['01', '02', '03'].map((n) => ({
    regionId: 'cn-hangzhou',
    accountId: ACCOUNT,
    instanceId: `i-bp1web000000000000${n}`,
    reason: 'created' as const,
    eventId: '6f1c2a3b-0000-4000-8000-000000000002',
    eventType: 'actiontrail:ActionTrail:ApiCall',
    eventTime: '2026-11-29T04:01:00.000Z',
    launch: true as const,
  })),
  'eb-actiontrail-tagresources.json': ['01', '02'].map((n) => ({
    regionId: 'cn-hangzhou',
    accountId: ACCOUNT,
    instanceId: `i-bp1bld000000000000${n}`,
    reason: 'tag-change' as const,
    eventId: '6f1c2a3b-0000-4000-8000-000000000003',
    eventType: 'actiontrail:ActionTrail:ApiCall',
    eventTime: '2026-11-29T04:02:00.000Z',
  })),
  'eb-batch.json': [
    pending('i-bp1pay00000000000002', 'cn-hangzhou', '6f1c2a3b-0000-4000-8000-000000000001'),
    // Its state is Running: a start, which need not be a launch.
    created('i-uf6app00000000000001', 'cn-shanghai', '6f1c2a3b-0000-4000-8000-000000000004'),
  ],
  'eb-instance-state-pending.json': [
    pending('i-bp1pay00000000000002', 'cn-hangzhou', '6f1c2a3b-0000-4000-8000-000000000001'),
  ],
  // The onFailure record yields the instance of the event inside its requestPayload.
  'fc-destination-failure.json': [
    pending('i-bp1pay00000000000002', 'cn-hangzhou', '6f1c2a3b-0000-4000-8000-000000000001'),
  ],
};

const EXPECTED_IGNORED: Record<string, { eventType?: string; reason: RegExp }> = {
  'timer.json': { eventType: 'fc:Timer', reason: /timer/i },
  'ignored/disk-state-change.json': { eventType: 'ECS:Disk:StateChange', reason: /Disk:StateChange/ },
};

const EXPECTED_POISON: Record<string, { code: string; path: string; message: RegExp }> = {
  'malformed/bad-instance-id.json': {
    code: 'InvalidEvent.InstanceId',
    path: '/data/resourceId',
    message: /"i-abc\\"\]; DROP" is not a valid ECS instance id/,
  },
  'malformed/bad-region.json': {
    code: 'InvalidEvent.RegionId',
    path: '/aliyunregionid',
    message: /"\.\.\/\.\.\/etc" is not a valid region id/,
  },
  'malformed/empty-object.json': { code: 'InvalidEvent.UnknownEnvelope', path: '', message: /no fields/ },
  'malformed/no-instance.json': {
    code: 'InvalidEvent.NoInstance',
    path: '/data',
    message: /names no instance/,
  },
  'malformed/not-json.txt': { code: 'InvalidEvent.NotJson', path: '', message: /not JSON/ },
  'malformed/wrong-types.json': {
    code: 'InvalidEvent.WrongType',
    path: '/product',
    message: /\/product must be a string, got array/,
  },
};

describe('decodeEvent on the shared fixtures', () => {
  it('has an expectation for every fixture file', () => {
    const all = [...listFixtures(), ...listFixtures('ignored/'), ...listFixtures('malformed/')];
    const covered = [
      ...Object.keys(EXPECTED_REFS),
      ...Object.keys(EXPECTED_IGNORED),
      ...Object.keys(EXPECTED_POISON),
    ];
    expect(all.sort()).toEqual(covered.sort());
  });

  it.each(Object.entries(EXPECTED_REFS))('%s decodes to exactly its refs', (name, refs) => {
    const result = decodeEvent(readFixture(name), OPTIONS);
    expect(result.refs).toStrictEqual(refs);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toEqual([]);
    expectWellFormed(result);
  });

  it.each(Object.entries(EXPECTED_IGNORED))('%s is ignored: no refs, no poison', (name, expected) => {
    const result = decodeEvent(readFixture(name), OPTIONS);
    expect(result.refs).toEqual([]);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toHaveLength(1);
    expect(result.ignored[0]?.eventType).toBe(expected.eventType);
    expect(result.ignored[0]?.reason).toMatch(expected.reason);
  });

  it.each(Object.entries(EXPECTED_POISON))('%s is poison with its own code and path', (name, expected) => {
    const raw = readFixture(name);
    const result = decodeEvent(raw, OPTIONS);
    expect(result.refs).toEqual([]);
    expect(result.ignored).toEqual([]);
    expect(result.poison).toHaveLength(1);
    const [poison] = result.poison;
    expect(poison?.error.code).toBe(expected.code);
    expect(poison?.error.path).toBe(expected.path);
    expect(poison?.error.message).toMatch(expected.message);
    // The poison record keeps the event: parsed JSON, or the raw text when it was not JSON.
    const text = raw.toString('utf8');
    expect(poison?.event).toEqual(name.endsWith('.txt') ? text : JSON.parse(text));
    expectWellFormed(result);
  });

  it('gives the same result for a Buffer, a string, and a BOM with surrounding whitespace', () => {
    const text = readFixture('eb-batch.json').toString('utf8');
    const fromBuffer = decodeEvent(Buffer.from(text), OPTIONS);
    expect(decodeEvent(text, OPTIONS)).toEqual(fromBuffer);
    expect(decodeEvent(Buffer.from(`\ufeff \n${text}\n\t `), OPTIONS)).toEqual(fromBuffer);
    expect(fromBuffer.refs).toHaveLength(2);
  });

  it('decodes a batch with two regions into one ref per region', () => {
    const { refs } = decodeEvent(readFixture('eb-batch.json'), OPTIONS);
    expect(refs.map((ref) => ref.regionId)).toEqual(['cn-hangzhou', 'cn-shanghai']);
  });
});
