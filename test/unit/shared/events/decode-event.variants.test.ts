import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { ACCOUNT, expectWellFormed, listFixtures, OPTIONS, readFixture } from './fixtures.js';

/** Variants of inferred shapes (test/fixtures/events/variants): exact results per file. */

const TIME = '2026-11-29T04:10:00.000Z';

const ref = (fields: Partial<InstanceRef> & Pick<InstanceRef, 'instanceId' | 'eventId'>): InstanceRef => ({
  regionId: 'cn-hangzhou',
  accountId: ACCOUNT,
  reason: 'created',
  eventType: 'ecs:Instance:StateChange',
  eventTime: TIME,
  ...fields,
});

const trail = (fields: Partial<InstanceRef> & Pick<InstanceRef, 'instanceId' | 'eventId'>): InstanceRef =>
  ref({ eventType: 'ecs:ActionTrail:ApiCall', ...fields });

const REFS: Record<string, InstanceRef[]> = {
  'variants/eb-state-content-resourceid.json': [
    ref({ instanceId: 'i-bp1pay00000000000011', eventId: 'v-state-content', launch: true }),
  ],
  // No aliyunregionid/aliyunaccountid: both come from the subject ARN, not from the defaults.
  'variants/eb-state-subject-only.json': [
    ref({
      regionId: 'cn-shanghai',
      accountId: '2222222222222222',
      instanceId: 'i-uf6app00000000000012',
      eventId: 'v-state-subject',
    }),
  ],
  'variants/eb-state-stopped.json': [
    ref({ instanceId: 'i-bp1web00000000000013', eventId: 'v-state-stopped', reason: 'state-change' }),
  ],
  'variants/cms-state-arn-resourceid.json': [
    ref({
      regionId: 'cn-shanghai',
      instanceId: 'i-uf6app00000000000015',
      eventId: 'v-cms-arn',
      launch: true,
      eventType: 'ECS:Instance:StateChange',
      eventTime: '2026-11-29T04:01:14.000Z',
    }),
  ],
  'variants/eb-actiontrail-createinstance.json': [
    trail({
      regionId: 'cn-shanghai',
      instanceId: 'i-uf6app00000000000021',
      eventId: 'v-trail-createinstance',
      launch: true,
    }),
  ],
  'variants/eb-actiontrail-console-create.json': ['22', '23'].map((n) =>
    trail({
      instanceId: `i-bp1web000000000000${n}`,
      eventId: 'v-trail-console',
      launch: true,
      eventType: 'ecs:ActionTrail:ConsoleOperation',
    }),
  ),
  'variants/eb-actiontrail-untagresources.json': ['31', '32', '33'].map((n) =>
    trail({ instanceId: `i-bp1bld000000000000${n}`, eventId: 'v-trail-untag', reason: 'tag-change' }),
  ),
  'variants/eb-actiontrail-addtags.json': [
    trail({ instanceId: 'i-bp1pay00000000000041', eventId: 'v-trail-addtags', reason: 'tag-change' }),
  ],
  'variants/eb-actiontrail-removetags.json': [
    trail({ instanceId: 'i-bp1pay00000000000042', eventId: 'v-trail-removetags', reason: 'tag-change' }),
  ],
  'variants/eb-tag-change.json': [
    ref({
      instanceId: 'i-bp1pay00000000000051',
      eventId: 'v-tag-change',
      eventType: 'tag:Tag:ChangeOnResource',
      reason: 'tag-change',
    }),
  ],
  // RawData has no envelope: no id, no time; region and account are the defaults.
  'variants/raw-state.json': [
    {
      regionId: 'cn-beijing',
      accountId: '9999999999999999',
      instanceId: 'i-bp1pay00000000000061',
      reason: 'created',
      eventId: 'unknown',
      eventType: 'raw:Instance:StateChange',
    },
  ],
  'variants/raw-actiontrail-runinstances.json': [
    {
      regionId: 'cn-shanghai',
      accountId: ACCOUNT,
      instanceId: 'i-uf6app00000000000062',
      reason: 'created',
      eventId: 'TRAIL-RunInstances',
      launch: true,
      eventType: 'raw:ActionTrail',
      eventTime: '2026-11-29T04:09:58.000Z',
    },
  ],
  // The Tag service's own TagResources (cloud-facts EV-18): `arn:acs:` ARNs; the VPC, the disk and the OSS bucket
  // are skipped, the two instances are refs, in `ResourceARN.N` order.
  'variants/eb-tag-service-tagresources.json': ['61', '62'].map((n) =>
    trail({
      instanceId: `i-bp1pay000000000000${n}`,
      eventId: 'v-tag-service-tag',
      eventType: 'actiontrail:ActionTrail:ApiCall',
      reason: 'tag-change',
    }),
  ),
  // Its product form (source `acs.tag`, inferred, EV-19) with an ARN without `arn:`: region from the envelope.
  'variants/eb-tag-service-untagresources.json': [
    trail({
      regionId: 'cn-shanghai',
      instanceId: 'i-uf6app00000000000063',
      eventId: 'v-tag-service-untag',
      eventType: 'tag:ActionTrail:ApiCall',
      reason: 'tag-change',
    }),
  ],
  // The ActionTrail form without `serviceName`: its type prefix `actiontrail` names no product (EV-11).
  'variants/eb-actiontrail-no-servicename.json': [
    trail({
      instanceId: 'i-bp1web00000000000064',
      eventId: 'v-trail-no-servicename',
      launch: true,
      eventType: 'actiontrail:ActionTrail:ApiCall',
    }),
  ],
  'variants/fc-destination-base64.json': [
    ref({
      instanceId: 'i-bp1pay00000000000002',
      eventId: '6f1c2a3b-0000-4000-8000-000000000001',
      eventTime: '2026-11-29T04:00:00.000Z',
      launch: true,
    }),
  ],
  'variants/fc-destination-parsed-batch.json': [
    ref({
      instanceId: 'i-bp1pay00000000000002',
      eventId: '6f1c2a3b-0000-4000-8000-000000000001',
      eventTime: '2026-11-29T04:00:00.000Z',
      launch: true,
    }),
    ref({
      regionId: 'cn-shanghai',
      instanceId: 'i-uf6app00000000000001',
      eventId: '6f1c2a3b-0000-4000-8000-000000000004',
      eventTime: '2026-11-29T04:00:00.000Z',
    }),
  ],
  'variants/redrive-attach-failed.json': [
    {
      regionId: 'cn-shanghai',
      accountId: ACCOUNT,
      instanceId: 'i-uf6app00000000000071',
      reason: 'redrive',
      eventId: '6f1c2a3b-0000-4000-8000-000000000009',
      eventType: 'dead-letter:attach-failed',
      eventTime: '2026-11-29T04:00:00.000Z',
    },
  ],
  'variants/mns-message-base64.json': [
    {
      regionId: 'cn-shanghai',
      accountId: ACCOUNT,
      instanceId: 'i-uf6app00000000000071',
      reason: 'redrive',
      eventId: '6f1c2a3b-0000-4000-8000-000000000009',
      eventType: 'dead-letter:attach-failed',
      eventTime: '2026-11-29T04:00:00.000Z',
    },
  ],
};

const IGNORED: Record<string, { eventId: string; eventType: string; reason: RegExp }> = {
  'variants/eb-state-deleted.json': {
    eventId: 'v-state-deleted',
    eventType: 'ecs:Instance:StateChange',
    reason: /Deleted/,
  },
  'variants/eb-actiontrail-tagresources-disk.json': {
    eventId: 'v-trail-tagdisk',
    eventType: 'ecs:ActionTrail:ApiCall',
    reason: /"disk", not on instances/,
  },
  'variants/eb-actiontrail-stopinstance.json': {
    eventId: 'v-trail-stop',
    eventType: 'ecs:ActionTrail:ApiCall',
    reason: /"StopInstance" is neither/,
  },
  'variants/eb-actiontrail-failed-runinstances.json': {
    eventId: 'v-trail-failed',
    eventType: 'ecs:ActionTrail:ApiCall',
    reason: /failed with "DryRunOperation"/,
  },
  'variants/eb-actiontrail-oss.json': {
    eventId: 'v-trail-oss',
    eventType: 'oss:ActionTrail:ApiCall',
    reason: /service "oss"/,
  },
  'variants/eb-tag-service-vpc-only.json': {
    eventId: 'v-tag-service-vpc',
    eventType: 'actiontrail:ActionTrail:ApiCall',
    reason: /"TagResources" tags no ECS instance/,
  },
  'variants/eb-tag-change-rds.json': {
    eventId: 'v-tag-change-rds',
    eventType: 'tag:Tag:ChangeOnResource',
    reason: /product "rds"/,
  },
  // A poison record is never replayed: ignored, with its reason, not poison again.
  'variants/redrive-poison.json': {
    eventId: 'unknown',
    eventType: 'dead-letter:poison',
    reason: /never replayed/,
  },
};

describe('decodeEvent on shape variants', () => {
  it('has an expectation for every variant file', () => {
    const covered = [...Object.keys(REFS), ...Object.keys(IGNORED), 'variants/batch-mixed.json'];
    expect(listFixtures('variants/')).toEqual(covered.sort());
  });

  it.each(Object.entries(REFS))('%s decodes to exactly its refs', (name, refs) => {
    const result = decodeEvent(readFixture(name), OPTIONS);
    expect(result.refs).toStrictEqual(refs);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toEqual([]);
    expectWellFormed(result);
  });

  it.each(Object.entries(IGNORED))('%s is ignored', (name, expected) => {
    const result = decodeEvent(readFixture(name), OPTIONS);
    expect(result.refs).toEqual([]);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toHaveLength(1);
    expect(result.ignored[0]).toMatchObject({ eventId: expected.eventId, eventType: expected.eventType });
    expect(result.ignored[0]?.reason).toMatch(expected.reason);
  });

  it('decodes each element of a mixed batch on its own', () => {
    const result = decodeEvent(readFixture('variants/batch-mixed.json'), OPTIONS);
    // [good, bad id, disk, duplicate of good, nested array, string]
    expect(result.refs).toStrictEqual([
      ref({
        instanceId: 'i-bp1pay00000000000002',
        eventId: '6f1c2a3b-0000-4000-8000-000000000001',
        eventTime: '2026-11-29T04:00:00.000Z',
        launch: true,
      }),
    ]);
    expect(result.ignored).toEqual([
      expect.objectContaining({ eventId: 'D1', eventType: 'ECS:Disk:StateChange' }),
    ]);
    expect(result.poison.map((p) => [p.error.code, p.error.path])).toEqual([
      ['InvalidEvent.InstanceId', '/1/data/resourceId'],
      ['InvalidEvent.NestedBatch', '/4'],
      ['InvalidEvent.UnknownEnvelope', '/5'],
    ]);
    // Each poison entry holds its own element, not the whole batch.
    expect(result.poison[0]).toMatchObject({ eventId: 'x', eventType: 'ecs:Instance:StateChange' });
    expect(result.poison[0]?.event).toMatchObject({ data: { resourceId: 'i-abc"]; DROP' } });
    expect(Array.isArray(result.poison[1]?.event)).toBe(true);
    expect(result.poison[2]?.event).toBe('not an event');
    expectWellFormed(result);
  });
});
