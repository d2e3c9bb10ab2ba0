import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import { readResourceRef } from '../../../../shared/events/resource-ids.js';
import { ACCOUNT, expectWellFormed, OPTIONS } from './fixtures.js';

/**
 * Tags written through the Tag service API (TagResources/UntagResources, version 2018-08-28): the resources are
 * `ResourceARN.N`, `arn:acs:${Service}:${RegionId}:${Account}:${ResourceType}/${ResourceId}` (docs/cloud-facts.md
 * EV-18). ECS instance ARNs become refs; every other ARN — another ECS resource, another product — is skipped,
 * never poison.
 */

const tagServiceEvent = (params: Record<string, unknown>, eventName = 'TagResources') => ({
  id: 'tag-service',
  source: 'acs.actiontrail',
  specversion: '1.0',
  type: 'actiontrail:ActionTrail:ApiCall',
  aliyunaccountid: ACCOUNT,
  aliyunregionid: 'cn-hangzhou',
  data: {
    eventName,
    serviceName: 'Tag',
    acsRegion: 'cn-hangzhou',
    requestParameters: { RegionId: 'cn-hangzhou', Tags: '{"team":"payments"}', ...params },
  },
});

const decode = (value: unknown) => decodeEvent(JSON.stringify(value), OPTIONS);

describe('Tag service ARNs', () => {
  it.each([
    ['arn:acs:ecs:cn-shanghai:1234567890123456:instance/i-uf6app00000000000001', 'cn-shanghai'],
    ['ARN:ACS:ECS:cn-shanghai:1234567890123456:INSTANCE/i-uf6app00000000000001', 'cn-shanghai'],
    ['arn:acs:ecs:cn-shanghai:1234567890123456:ACS::ECS::Instance/i-uf6app00000000000001', 'cn-shanghai'],
  ])('reads the ECS instance in %s', (arn, regionId) => {
    expect(readResourceRef(arn, '/x')).toEqual({
      kind: 'instance',
      location: { instanceId: 'i-uf6app00000000000001', regionId, accountId: ACCOUNT },
    });
  });

  it.each([
    'arn:acs:ecs:cn-hangzhou:1234567890123456:disk/d-bp1disk000000000001',
    'arn:acs:ecs:cn-hangzhou:1234567890123456:securitygroup/sg-bp1sg0000000000001',
    'arn:acs:vpc:cn-hangzhou:1234567890123456:vpc/vpc-bp19dd90tkt6tz7wu0001',
    'arn:acs:oss:*:1234567890123456:logs-bucket',
    'acs:rds:cn-hangzhou:1234567890123456:dbinstance/rm-bp1db',
  ])('skips %s: not an instance, not poison', (arn) => {
    expect(readResourceRef(arn, '/x').kind).toBe('other');
  });

  it('still refuses an ECS instance ARN whose id is malformed', () => {
    expect(() => readResourceRef('arn:acs:ecs:cn-hangzhou:1234567890123456:instance/i-NOPE', '/x')).toThrow(
      expect.objectContaining({ code: 'InvalidEvent.InstanceId', path: '/x' }),
    );
  });

  it('decodes TagResources and UntagResources into the instances they name, in ResourceARN.N order', () => {
    for (const eventName of ['TagResources', 'UntagResources']) {
      const result = decode(
        tagServiceEvent(
          {
            'ResourceARN.2': 'arn:acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000002',
            'ResourceARN.1': 'arn:acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000001',
            'ResourceARN.3': 'arn:acs:vpc:cn-hangzhou:1234567890123456:vpc/vpc-bp19dd90tkt6tz7wu0001',
          },
          eventName,
        ),
      );
      expect(result.poison).toEqual([]);
      expect(result.refs.map((ref) => [ref.instanceId, ref.reason])).toEqual([
        ['i-bp1pay00000000000001', 'tag-change'],
        ['i-bp1pay00000000000002', 'tag-change'],
      ]);
    }
  });

  it('takes an unflattened ResourceARN list too', () => {
    const result = decode(
      tagServiceEvent({
        ResourceARN: ['arn:acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000003'],
      }),
    );
    expect(result.refs.map((ref) => ref.instanceId)).toEqual(['i-bp1pay00000000000003']);
  });

  it('ignores a Tag service call that tags no ECS instance', () => {
    const result = decode(tagServiceEvent({ 'ResourceARN.1': 'arn:acs:oss:*:1234567890123456:logs-bucket' }));
    expect(result.refs).toEqual([]);
    expect(result.poison).toEqual([]);
    expect(result.ignored).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/tags no ECS/) }),
    ]);
  });
});

// ---- property: any mix of ARNs decodes to exactly its ECS instances ----

const letters = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    minLength: min,
    maxLength: max,
  });

const region = fc.constantFrom('cn-hangzhou', 'cn-shanghai', 'ap-southeast-1', 'cn-shanghai-finance-1');
const account = fc.stringMatching(/^\d{1,16}$/);
const arnPrefix = fc.constantFrom('arn:acs:', 'acs:', 'ARN:ACS:', 'arn:ACS:');
const instanceType = fc.constantFrom('instance', 'INSTANCE', 'Instance', 'ACS::ECS::Instance');

interface ArnCase {
  arn: string;
  /** `region/instanceId` when the ARN names an ECS instance. */
  instance?: string;
  /** The instance's owner, as its ARN says. */
  account?: string;
}

const instanceArn: fc.Arbitrary<ArnCase> = fc
  .record({ prefix: arnPrefix, region, account, type: instanceType, id: letters(8, 32) })
  .map(({ prefix, region, account, type, id }) => ({
    arn: `${prefix}ecs:${region}:${account}:${type}/i-${id}`,
    instance: `${region}/i-${id}`,
    account,
  }));

const otherEcsArn: fc.Arbitrary<ArnCase> = fc
  .record({
    prefix: arnPrefix,
    region,
    account,
    type: fc.constantFrom('disk', 'snapshot', 'image', 'securitygroup', 'eni', 'keypair', 'ACS::ECS::Disk'),
    id: letters(1, 24),
  })
  .map(({ prefix, region, account, type, id }) => ({
    arn: `${prefix}ecs:${region}:${account}:${type}/${id}`,
  }));

const otherProductArn: fc.Arbitrary<ArnCase> = fc
  .record({
    prefix: arnPrefix,
    service: letters(2, 12).filter((s) => /^[a-z]/.test(s) && s !== 'ecs'),
    region: fc.oneof(region, fc.constant('*'), fc.constant('')),
    account,
    resource: fc.oneof(
      letters(1, 24),
      fc.tuple(letters(1, 12), letters(1, 24)).map(([t, id]) => `${t}/${id}`),
      fc.tuple(letters(1, 12), letters(1, 24)).map(([t, id]) => `instance/${t}-${id}`),
    ),
  })
  .map(({ prefix, service, region, account, resource }) => ({
    arn: `${prefix}${service}:${region}:${account}:${resource}`,
  }));

const arnCases = fc
  .array(fc.oneof(instanceArn, otherEcsArn, otherProductArn), { minLength: 1, maxLength: 50 })
  // One entry per instance: the decoder keeps one ref per region/instance, and so does the expectation.
  .map((cases) =>
    cases.filter(
      (c, i) => c.instance === undefined || cases.findIndex((d) => d.instance === c.instance) === i,
    ),
  );

describe('Tag service ARNs, any mix (property)', () => {
  it('refs are exactly the ECS instance ARNs, in order; nothing else is poison', () => {
    fc.assert(
      fc.property(arnCases, fc.boolean(), (cases, flattened) => {
        const params: Record<string, unknown> = flattened
          ? Object.fromEntries(cases.map((c, i) => [`ResourceARN.${i + 1}`, c.arn]))
          : { ResourceARN: cases.map((c) => c.arn) };
        const result = decode(tagServiceEvent(params));
        expectWellFormed(result);
        expect(result.poison).toEqual([]);
        const expected = cases.flatMap((c) =>
          c.instance === undefined ? [] : [`${c.instance}@${c.account}`],
        );
        // Region and owner come from each ARN, not from the call (cloud-facts EV-18).
        expect(result.refs.map((ref) => `${ref.regionId}/${ref.instanceId}@${ref.accountId}`)).toEqual(
          expected,
        );
        expect(result.ignored).toHaveLength(expected.length === 0 ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});
