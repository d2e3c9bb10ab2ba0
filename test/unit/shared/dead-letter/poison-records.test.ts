import { describe, expect, it } from 'vitest';
import { readDeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import {
  encodeRecord,
  MAX_MESSAGE_BYTES,
  type PoisonRecord,
} from '../../../../shared/dead-letter/dead-letter-record.js';
import { type PoisonContext, poisonRecords } from '../../../../shared/dead-letter/poison-records.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';

const CONTEXT: PoisonContext = {
  fcRequestId: 'fc-1',
  accountId: '1234567890123456',
  regionId: 'cn-hangzhou',
  at: '2026-11-29T04:00:00.000Z',
};
const OPTIONS = { defaultRegionId: 'cn-hangzhou', defaultAccountId: '1234567890123456' };

const id = (n: number) => `i-bp1h${String(n).padStart(16, '0')}`;

/** A RunInstances event naming `ids`, made poison as a whole by one malformed field (its region). */
const poisonRunInstances = (ids: string[]) => ({
  id: 'big-1',
  source: 'acs.actiontrail',
  specversion: '1.0',
  type: 'actiontrail:ActionTrail:ApiCall',
  aliyunregionid: 'cn-hangzhou',
  data: {
    eventName: 'RunInstances',
    serviceName: 'Ecs',
    acsRegion: 'cn hangzhou',
    requestParameters: { Amount: ids.length, UserData: 'x'.repeat(200_000) },
    referencedResources: { 'ACS::ECS::Instance': ids },
  },
});

/** What the function writes for an input's poison, as MNS message bodies, read back as redrive reads them. */
function throughQueue(input: unknown): PoisonRecord[] {
  const decoded = decodeEvent(JSON.stringify(input), OPTIONS);
  return decoded.poison
    .flatMap((p) => poisonRecords(p, CONTEXT))
    .map((record) => {
      const body = encodeRecord(record);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const message = readDeadLetterMessage(body);
      if (message.kind !== 'record' || message.record.kind !== 'poison')
        throw new Error('not a poison record');
      return message.record;
    });
}

describe('poison records', () => {
  it('keep every id of an undecodable 10,000-instance event, split over records that redrive turns back into the same 10,000 refs', () => {
    const ids = Array.from({ length: 10_000 }, (_, n) => id(n));
    const records = throughQueue(poisonRunInstances(ids));

    expect(records.length).toBeGreaterThan(1);
    expect(records.map((r) => r.part)).toEqual(
      records.map((_, i) => ({ index: i + 1, count: records.length })),
    );
    for (const r of records) {
      expect(r).toMatchObject({
        error: { code: 'InvalidEvent.RegionId' },
        path: '/data/acsRegion',
        value: 'cn hangzhou',
        source: { eventId: 'big-1', eventType: 'actiontrail:ActionTrail:ApiCall' },
      });
    }
    // The noise goes (the first record keeps the head of the event and its size), the ids stay, in order.
    expect(records[0]?.event).toMatchObject({ truncated: true, originalBytes: expect.any(Number) });
    expect(records.slice(1).every((r) => r.event === undefined)).toBe(true);
    expect(records.flatMap((r) => r.instanceIds ?? [])).toEqual(ids);

    // Redrive hands the records back to the function: it decodes them into the same 10,000 instances.
    const replayed = decodeEvent(JSON.stringify(records), OPTIONS);
    expect(replayed.poison).toEqual([]);
    expect(replayed.refs.map((ref) => ref.instanceId)).toEqual(ids);
    expect(new Set(replayed.refs.map((ref) => `${ref.reason} ${ref.regionId} ${ref.eventType}`))).toEqual(
      new Set(['redrive cn-hangzhou dead-letter:poison']),
    );
  });

  it('keep the ids beyond the per-input budget of a valid event the same way', () => {
    const ids = Array.from({ length: 14_000 }, (_, n) => id(n));
    const event = {
      ...poisonRunInstances(ids),
      data: { ...poisonRunInstances(ids).data, acsRegion: 'cn-hangzhou' },
    };
    const decoded = decodeEvent(JSON.stringify(event), OPTIONS);
    expect(decoded.refs).toHaveLength(10_000);
    const records = throughQueue(event);
    expect(records.every((r) => r.error.code === 'InvalidEvent.TooLarge')).toBe(true);
    const replayed = decodeEvent(JSON.stringify(records), OPTIONS);
    expect(replayed.refs.map((ref) => ref.instanceId)).toEqual(ids.slice(10_000));
  });

  it('name the one malformed id of an event, its path and value, and nothing else', () => {
    const event = poisonRunInstances([id(1), 'i-NOT-VALID', id(2)]);
    const records = throughQueue({ ...event, data: { ...event.data, acsRegion: 'cn-hangzhou' } });
    expect(records).toStrictEqual([
      {
        kind: 'poison',
        version: 1,
        at: CONTEXT.at,
        accountId: CONTEXT.accountId,
        regionId: CONTEXT.regionId,
        error: {
          code: 'InvalidEvent.InstanceId',
          message:
            '/data/referencedResources/ACS::ECS::Instance/1: "i-NOT-VALID" is not a valid ECS instance id',
          class: 'permanent',
        },
        attempts: 1,
        source: { eventId: 'big-1', eventType: 'actiontrail:ActionTrail:ApiCall', fcRequestId: 'fc-1' },
        path: '/data/referencedResources/ACS::ECS::Instance/1',
        value: 'i-NOT-VALID',
      },
    ]);
  });

  it('put ids in another region or account, from their ARNs, in records of their own', () => {
    const records = throughQueue({
      kind: 'made-up',
      subjects: [
        'acs:ecs:cn-shanghai:1234567890123456:instance/i-uf6app00000000000001',
        'arn:acs:ecs:cn-hangzhou:999:instance/i-bp1app00000000000002',
        'i-bp1app00000000000003',
      ],
    });
    expect(records.map((r) => [r.regionId, r.accountId, r.instanceIds, r.part?.index])).toEqual([
      ['cn-shanghai', '1234567890123456', ['i-uf6app00000000000001'], 1],
      ['cn-hangzhou', '999', ['i-bp1app00000000000002'], 2],
      ['cn-hangzhou', '1234567890123456', ['i-bp1app00000000000003'], 3],
    ]);
  });

  it('find the ids in text that is not JSON', () => {
    const [record] = throughQueue('not json at all');
    expect(record?.instanceIds).toBeUndefined();
    const text = `{"resourceId": "i-bp1pay00000000000001", broken acs:ecs:cn-shanghai:1:instance/i-uf6pay00000000000002`;
    const decoded = decodeEvent(text, OPTIONS);
    const records = decoded.poison.flatMap((p) => poisonRecords(p, CONTEXT));
    expect(records.map((r) => [r.error.code, r.regionId, r.instanceIds])).toEqual([
      ['InvalidEvent.NotJson', 'cn-hangzhou', ['i-bp1pay00000000000001']],
      ['InvalidEvent.NotJson', 'cn-shanghai', ['i-uf6pay00000000000002']],
    ]);
  });

  it('keep an event nested too deep for redrive to read as its JSON text', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(62)}"i-bp1pay00000000000001"${'}'.repeat(62)}`);
    const [record] = throughQueue([{ unknown: deep }]);
    expect(typeof record?.event).toBe('string');
    expect(record?.instanceIds).toEqual(['i-bp1pay00000000000001']);
    expect(decodeEvent(JSON.stringify([record]), OPTIONS).refs.map((r) => r.instanceId)).toEqual([
      'i-bp1pay00000000000001',
    ]);
  });
});
