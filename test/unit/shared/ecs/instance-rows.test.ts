import { DescribeInstancesResponse } from '@alicloud/ecs20140526/dist/models/DescribeInstancesResponse.js';
import * as $dara from '@darabonba/typescript';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstanceRowsResponse } from '../../../../shared/ecs/instance-rows.js';

/** What the gateway reads of a cast response: the fields `InstanceRowsResponse` keeps. */
function read(response: {
  statusCode?: number;
  body?: {
    nextToken?: string;
    totalCount?: number;
    requestId?: string;
    instances?: {
      instance?: Array<{
        instanceId?: string;
        regionId?: string;
        status?: string;
        instanceNetworkType?: string;
        tags?: { tag?: Array<{ tagKey?: string; tagValue?: string }> };
      }>;
    };
  };
}) {
  const body = response.body;
  return {
    statusCode: response.statusCode,
    nextToken: body?.nextToken,
    totalCount: body?.totalCount,
    requestId: body?.requestId,
    instances: body?.instances?.instance?.map((i) => ({
      instanceId: i.instanceId,
      regionId: i.regionId,
      status: i.status,
      instanceNetworkType: i.instanceNetworkType,
      tags: i.tags?.tag?.map((t) => ({ tagKey: t.tagKey, tagValue: t.tagValue })),
    })),
  };
}

/** Casts with the SDK's full model and with ours: the same fields, or the same refusal. */
function both(raw: Record<string, unknown>) {
  const cast = (model: $dara.Model) => {
    try {
      return { ok: read($dara.cast(structuredClone(raw), model) as never) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  return { full: cast(new DescribeInstancesResponse({})), ours: cast(new InstanceRowsResponse({})) };
}

// Values as a wire may carry them: strings, and what cast converts (numbers, booleans) or refuses.
const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const field = fc.oneof({ weight: 4, arbitrary: fc.string() }, { weight: 1, arbitrary: scalar });
const tag = fc.record({ TagKey: field, TagValue: field }, { requiredKeys: [] });
const instance = fc.record(
  {
    InstanceId: field,
    RegionId: field,
    Status: field,
    InstanceNetworkType: field,
    Tags: fc.oneof(fc.record({ Tag: fc.array(tag, { maxLength: 4 }) }), fc.constant({})),
    // Fields our model does not read: well-formed, as ECS sends them.
    Cpu: fc.integer({ min: 1, max: 64 }),
    HostName: fc.string(),
    VpcAttributes: fc.record({ VpcId: fc.string() }),
  },
  { requiredKeys: [] },
);
const response = fc.record({
  statusCode: fc.constantFrom(200, 400),
  headers: fc.constant({ 'x-acs-request-id': 'R' }),
  body: fc.record(
    {
      RequestId: fc.string(),
      NextToken: fc.oneof(fc.string(), fc.integer()),
      TotalCount: fc.oneof(fc.integer({ min: 0 }), fc.constant('12')),
      Instances: fc.record({ Instance: fc.array(instance, { maxLength: 5 }) }),
    },
    { requiredKeys: [] },
  ),
});

describe('InstanceRowsResponse', () => {
  it('casts the fields the gateway reads exactly as the SDK model does, conversions and refusals alike', () => {
    fc.assert(
      fc.property(response, (raw) => {
        const { full, ours } = both(raw as Record<string, unknown>);
        expect(ours).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a field of the wrong type as the SDK model does', () => {
    const raw = { statusCode: 200, body: { Instances: { Instance: [{ InstanceId: { x: 1 } }] } } };
    const { full, ours } = both(raw);
    expect(ours).toEqual(full);
    expect(ours).toHaveProperty('error', expect.stringContaining('instanceId'));
  });

  it('keeps what the gateway reads of an ordinary page', () => {
    const raw = {
      statusCode: 200,
      body: {
        NextToken: 'n',
        TotalCount: 1,
        Instances: {
          Instance: [
            {
              InstanceId: 'i-1',
              RegionId: 'cn-hangzhou',
              Status: 'Running',
              InstanceNetworkType: 'vpc',
              Tags: { Tag: [{ TagKey: 'team', TagValue: 'web' }] },
              Cpu: 2,
            },
          ],
        },
      },
    };
    expect(both(raw).ours).toEqual({
      ok: {
        statusCode: 200,
        nextToken: 'n',
        totalCount: 1,
        requestId: undefined,
        instances: [
          {
            instanceId: 'i-1',
            regionId: 'cn-hangzhou',
            status: 'Running',
            instanceNetworkType: 'vpc',
            tags: [{ tagKey: 'team', tagValue: 'web' }],
          },
        ],
      },
    });
  });
});
