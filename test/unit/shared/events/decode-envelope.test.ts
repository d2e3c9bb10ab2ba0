import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../../shared/events/decode-envelope.js';
import { EventDecodeError } from '../../../../shared/events/decode-error.js';
import { listFixtures, OPTIONS, readFixtureJson } from './fixtures.js';

/** decodeEnvelope: parsed JSON in, refs and ignored out; any problem thrown as one EventDecodeError. */

function thrown(run: () => unknown): EventDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
  throw new Error('expected an EventDecodeError');
}

describe('decodeEnvelope', () => {
  it('returns the refs of a parsed event', () => {
    const { refs, ignored } = decodeEnvelope(readFixtureJson('eb-actiontrail-runinstances.json'), OPTIONS);
    expect(refs.map((ref) => ref.instanceId)).toEqual([
      'i-bp1web00000000000001',
      'i-bp1web00000000000002',
      'i-bp1web00000000000003',
    ]);
    expect(ignored).toEqual([]);
  });

  it('returns ignored events without throwing', () => {
    const { refs, ignored } = decodeEnvelope(readFixtureJson('ignored/disk-state-change.json'), OPTIONS);
    expect(refs).toEqual([]);
    expect(ignored).toHaveLength(1);
  });

  it.each(listFixtures('malformed/').filter((name) => name.endsWith('.json')))(
    '%s throws EventDecodeError',
    (name) => {
      const error = thrown(() => decodeEnvelope(readFixtureJson(name), OPTIONS));
      expect(error.code).toMatch(/^InvalidEvent\./);
      expect(error.errorClass).toBe('permanent');
    },
  );

  it('prefixes error paths with the given path', () => {
    const error = thrown(() =>
      decodeEnvelope(readFixtureJson('malformed/bad-instance-id.json'), OPTIONS, '/7'),
    );
    expect(error.path).toBe('/7/data/resourceId');
  });

  it('is all-or-nothing for a batch: the first poison element is thrown', () => {
    const batch = [
      readFixtureJson('eb-instance-state-pending.json'),
      readFixtureJson('malformed/bad-region.json'),
    ];
    const error = thrown(() => decodeEnvelope(batch, OPTIONS));
    expect([error.code, error.path]).toEqual(['InvalidEvent.RegionId', '/1/aliyunregionid']);
  });

  it('reads own properties only, even of objects it did not parse itself', () => {
    const inherited = Object.assign(Object.create({ resourceId: 'i-bp1pay00000000000001' }) as object, {
      resourceType: 'ALIYUN::ECS::Instance',
      state: 'Running',
    });
    expect(thrown(() => decodeEnvelope(inherited, OPTIONS)).code).toBe('InvalidEvent.NoInstance');
  });

  it('accepts a null-prototype object', () => {
    const event = Object.assign(Object.create(null) as object, { resourceId: 'i-bp1pay00000000000001' });
    expect(decodeEnvelope(event, OPTIONS).refs).toHaveLength(1);
  });
});
