import { ecsError } from '../ecs-errors.js';
import type { EcsInstance } from '../ecs-state.js';
import {
  readInstanceIds,
  readInt,
  readTagFilters,
  requireRegionId,
  type TagFilter,
} from '../request-params.js';
import { type EcsAction, isVisibleIn } from './action.js';

/**
 * DescribeInstances: the region's instances (never Deleted or not yet visible ones), filtered by InstanceIds (an
 * empty list matches nothing), Status and tags, in the order they were added. Pages by PageNumber/PageSize or by
 * NextToken/MaxResults; NextToken is also returned in page mode whenever more results follow.
 */
export const describeInstances: EcsAction = {
  perInstanceResults: false,
  run({ params, state }) {
    const region = requireRegionId(params);
    const ids = readInstanceIds(params);
    const status = params.get('Status');
    const tags = readTagFilters(params);
    const wanted = ids && new Set(ids);
    const matching = state
      .instances()
      .filter(
        (i) =>
          isVisibleIn(i, region) &&
          (wanted === undefined || wanted.has(i.id)) &&
          (!status || i.status === status) &&
          hasTags(i, tags),
      );

    const tokenMode = params.has('NextToken') || params.has('MaxResults');
    let offset: number;
    let size: number;
    if (tokenMode) {
      size = readInt(params, 'MaxResults', 1, 100, 10);
      offset = decodeToken(params.get('NextToken') ?? '');
    } else {
      size = readInt(params, 'PageSize', 1, 100, 10);
      offset = (readInt(params, 'PageNumber', 1, Number.MAX_SAFE_INTEGER, 1) - 1) * size;
    }
    const page = matching.slice(offset, offset + size);
    return {
      TotalCount: matching.length,
      PageNumber: Math.floor(offset / size) + 1,
      PageSize: size,
      NextToken: offset + size < matching.length ? encodeToken(offset + size) : '',
      Instances: { Instance: page.map(instanceBody) },
    };
  },
};

function hasTags(instance: EcsInstance, filters: readonly TagFilter[]): boolean {
  return filters.every(({ key, value }) =>
    value === undefined ? Object.hasOwn(instance.tags, key) : instance.tags[key] === value,
  );
}

function instanceBody(instance: EcsInstance): Record<string, unknown> {
  const tags = Object.entries(instance.tags);
  return {
    InstanceId: instance.id,
    InstanceName: instance.name ?? instance.id,
    RegionId: instance.region,
    ZoneId: `${instance.region}-a`,
    Status: instance.status,
    InstanceNetworkType: instance.network,
    InstanceType: instance.instanceType ?? 'ecs.g7.large',
    // Real format: minutes, UTC (`2026-11-29T04:00Z`); only known for instances RunInstances created.
    ...(instance.launchedAt === null
      ? {}
      : { CreationTime: `${new Date(instance.launchedAt).toISOString().slice(0, 16)}Z` }),
    // Untagged instances get no Tags key at all, so callers must not assume it is present (cloud-facts ECS-28).
    ...(tags.length === 0 ? {} : { Tags: { Tag: tags.map(([TagKey, TagValue]) => ({ TagKey, TagValue })) } }),
  };
}

/** NextToken is opaque to callers; here it encodes the offset of the next page. */
function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  if (token === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1]) throw ecsError('InvalidParameter', 'The specified parameter NextToken is not valid.');
  return Number(match[1]);
}
