import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import { ACCOUNT, expectWellFormed, OPTIONS, readFixtureJson } from './fixtures.js';

/**
 * The documentation's own samples (test/fixtures/events/docs, verbatim; sources in its README) through the
 * decoder. They mask ids with `****`; where a test needs a ref it unmasks them with digits, saying so.
 */

type Json = Record<string, unknown>;
const doc = (name: string) => readFixtureJson(`docs/${name}`) as Json;
const decode = (value: unknown) => decodeEvent(JSON.stringify(value), OPTIONS);
const unmask = (value: Json): Json => JSON.parse(JSON.stringify(value).replaceAll('****', '0000')) as Json;

const ACTIONTRAIL_SAMPLE = doc('eventbridge-actiontrail-events.data.json');

/** The two documented envelopes of an ActionTrail record (docs/cloud-facts.md EV-11, EV-12). */
const FORMS = {
  actiontrail: { source: 'acs.actiontrail', type: 'actiontrail:ActionTrail:ApiCall' },
  product: { source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall' },
} as const;

const envelope = (form: keyof typeof FORMS, data: Json) => ({
  id: `doc-${form}`,
  ...FORMS[form],
  specversion: '1.0',
  time: '2022-10-22T21:52:00Z',
  aliyunaccountid: ACCOUNT,
  aliyunpublishtime: '2022-10-22T21:52:00.100PRC',
  aliyuneventbusname: 'default',
  aliyunregionid: 'cn-hangzhou',
  data,
});

describe.each(Object.keys(FORMS) as (keyof typeof FORMS)[])(
  'the ActionTrail events sample, %s form',
  (form) => {
    it('as documented (DeleteDisk) is ignored, not poison, masked ids and all', () => {
      const result = decode(envelope(form, ACTIONTRAIL_SAMPLE));
      expectWellFormed(result);
      expect(result.refs).toEqual([]);
      expect(result.poison).toEqual([]);
      expect(result.ignored).toEqual([
        expect.objectContaining({
          eventId: `doc-${form}`,
          reason: expect.stringMatching(/"DeleteDisk" is neither/),
        }),
      ]);
    });

    it('as a RunInstances names the instance of referencedResources, not the disk', () => {
      const data = unmask({ ...ACTIONTRAIL_SAMPLE, eventName: 'RunInstances' });
      const result = decode(envelope(form, data));
      expectWellFormed(result);
      // userIdentity of type "system" has no accountId: the envelope's account is used.
      expect(result.refs).toStrictEqual([
        {
          regionId: 'cn-hangzhou',
          accountId: ACCOUNT,
          instanceId: 'i-8vb0smn1lf6g77md0000',
          reason: 'created',
          eventId: `doc-${form}`,
          eventType: FORMS[form].type,
          eventTime: '2022-10-22T21:52:00.000Z',
          launch: true,
        },
      ]);
    });

    it('without serviceName is still read as ECS (the actiontrail prefix names no product)', () => {
      const { serviceName: _, ...data } = unmask({ ...ACTIONTRAIL_SAMPLE, eventName: 'TagResources' });
      const result = decode(envelope(form, data));
      expect(result.poison).toEqual([]);
      expect(result.refs.map((ref) => [ref.instanceId, ref.reason])).toEqual([
        ['i-8vb0smn1lf6g77md0000', 'tag-change'],
      ]);
    });
  },
);

describe('the other documentation samples', () => {
  it('the ActionTrail sample as RawData (EventBridge eventSchema RawData) is ignored', () => {
    const result = decode(ACTIONTRAIL_SAMPLE);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toHaveLength(1);
  });

  it('the ECS StopInstance record is ignored in either envelope', () => {
    for (const form of Object.keys(FORMS) as (keyof typeof FORMS)[]) {
      const result = decode(envelope(form, doc('actiontrail-ecs-stopinstance.data.json')));
      expect(result.poison).toEqual([]);
      expect(result.ignored).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/StopInstance/) }),
      ]);
    }
  });

  it("EventBridge's envelope sample of another product is ignored, its masked account unread", () => {
    const result = decode(doc('eventbridge-event-overview.json'));
    expect(result.poison).toEqual([]);
    expect(result.ignored).toEqual([
      expect.objectContaining({ eventType: 'aliyuncvc:MeetingEvent:MemberOperate' }),
    ]);
  });

  it('the ECS event notification (CloudMonitor form), unmasked, names its instance', () => {
    const result = decode(unmask(doc('ecs-event-notification-statechange.json')));
    expectWellFormed(result);
    expect(result.poison).toEqual([]);
    expect(result.refs.map((ref) => [ref.regionId, ref.instanceId, ref.reason])).toEqual([
      ['cn-hangzhou', 'i-bp1ecr000000005go2go', 'state-change'],
    ]);
  });
});
