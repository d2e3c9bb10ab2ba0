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
 * NextToken/MaxResults; NextToken is also returned in page mode whenever more results follow. MaxResults outside
 * 10–100 is taken as 10 or 100, as the SDK model documents (cloud-facts SW-1); a MaxResults that is not a
 * number, and a NextToken this emulator did not issue (or, with `nextTokenTtlMs`, issued too long ago), are
 * refused (SW-2, SW-3).
 */
export const describeInstances: EcsAction = {
  perInstanceResults: false,
  run({ params, state, behaviour, now }) {
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
      size = readMaxResults(params.get('MaxResults'));
      offset = decodeToken(params.get('NextToken') ?? '', behaviour.nextTokenTtlMs, now());
    } else {
      size = readInt(params, 'PageSize', 1, 100, 10);
      offset = (readInt(params, 'PageNumber', 1, Number.MAX_SAFE_INTEGER, 1) - 1) * size;
    }
    const page = matching.slice(offset, offset + size);
    return {
      TotalCount: matching.length,
      PageNumber: Math.floor(offset / size) + 1,
      PageSize: size,
      NextToken: offset + size < matching.length ? encodeToken(offset + size, now()) : '',
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

/** MaxResults: default 10; below 10 counts as 10, above 100 as 100 (`DescribeInstancesRequest.ts`). */
function readMaxResults(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 10;
  if (!/^-?\d+$/.test(raw)) throw ecsError('InvalidParameter.MaxResults');
  return Math.min(100, Math.max(10, Number(raw)));
}

/** NextToken is opaque to callers; here it encodes the offset of the next page and when it was issued. */
function encodeToken(offset: number, issuedAt: number): string {
  return Buffer.from(`offset:${offset}:${issuedAt}`).toString('base64url');
}

function decodeToken(token: string, ttlMs: number | null, now: number): number {
  if (token === '') return 0;
  const match = /^offset:(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) throw ecsError('InvalidParameter.NextToken');
  if (ttlMs !== null && now - Number(match[2]) > ttlMs) throw ecsError('InvalidParameter.NextToken');
  return Number(match[1]);
}
