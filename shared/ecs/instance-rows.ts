/**
 * The part of `DescribeInstances`' response model (`@alicloud/ecs20140526` 7.11.6,
 * `DescribeInstancesResponse{,Body,BodyInstances,BodyInstancesInstance,…Tags,…TagsTag}`) that `SdkEcsGateway` reads:
 * the same wire names and field types, cast by the SDK's own `$dara.cast`, so each field converts (or is refused)
 * exactly as the full model would. Why not the full model: casting its ~80 fields and nested models for 100
 * instances a page was 40 % of everything an invocation allocated (issue 9, BENCHMARKS.md "Memory"). Fields the
 * model has and this one lacks are not read, so a malformed value there is no longer an error.
 */
import * as $dara from '@darabonba/typescript';

type Types = Record<string, unknown>;

export class InstanceTag extends $dara.Model {
  declare tagKey?: string;
  declare tagValue?: string;
  static names(): Record<string, string> {
    return TAG_NAMES;
  }
  static types(): Types {
    return TAG_TYPES;
  }
}
const TAG_NAMES = { tagKey: 'TagKey', tagValue: 'TagValue' };
const TAG_TYPES = { tagKey: 'string', tagValue: 'string' };

export class InstanceTags extends $dara.Model {
  declare tag?: InstanceTag[];
  static names(): Record<string, string> {
    return { tag: 'Tag' };
  }
  static types(): Types {
    return { tag: { type: 'array', itemType: InstanceTag } };
  }
}

export class InstanceRow extends $dara.Model {
  declare instanceId?: string;
  declare regionId?: string;
  declare status?: string;
  declare instanceNetworkType?: string;
  declare tags?: InstanceTags;
  static names(): Record<string, string> {
    return ROW_NAMES;
  }
  static types(): Types {
    return ROW_TYPES;
  }
}
// Returned, not rebuilt, on every call: cast calls names() and types() once per instance.
const ROW_NAMES = {
  instanceId: 'InstanceId',
  instanceNetworkType: 'InstanceNetworkType',
  regionId: 'RegionId',
  status: 'Status',
  tags: 'Tags',
};
const ROW_TYPES = {
  instanceId: 'string',
  instanceNetworkType: 'string',
  regionId: 'string',
  status: 'string',
  tags: InstanceTags,
};

export class InstanceRows extends $dara.Model {
  declare instance?: InstanceRow[];
  static names(): Record<string, string> {
    return { instance: 'Instance' };
  }
  static types(): Types {
    return { instance: { type: 'array', itemType: InstanceRow } };
  }
}

export class InstanceRowsBody extends $dara.Model {
  declare instances?: InstanceRows;
  declare nextToken?: string;
  declare pageNumber?: number;
  declare pageSize?: number;
  declare requestId?: string;
  declare totalCount?: number;
  static names(): Record<string, string> {
    return {
      instances: 'Instances',
      nextToken: 'NextToken',
      pageNumber: 'PageNumber',
      pageSize: 'PageSize',
      requestId: 'RequestId',
      totalCount: 'TotalCount',
    };
  }
  static types(): Types {
    return {
      instances: InstanceRows,
      nextToken: 'string',
      pageNumber: 'number',
      pageSize: 'number',
      requestId: 'string',
      totalCount: 'number',
    };
  }
}

export class InstanceRowsResponse extends $dara.Model {
  declare headers?: Record<string, string>;
  declare statusCode?: number;
  declare body?: InstanceRowsBody;
  static names(): Record<string, string> {
    return { headers: 'headers', statusCode: 'statusCode', body: 'body' };
  }
  static types(): Types {
    return {
      headers: { type: 'map', keyType: 'string', valueType: 'string' },
      statusCode: 'number',
      body: InstanceRowsBody,
    };
  }
}
