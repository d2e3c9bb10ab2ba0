import { chunk } from '../collections/chunk.js';
import { MAX_IDS_PER_ROLE_READ, MAX_ROLE_PAGE_SIZE } from '../ecs/ecs-gateway.js';
import { callOptions } from './call-options.js';
import type { RunContext } from './run-context.js';

/**
 * Current roles of any number of instances (those without a role are absent), ≤ 50 ids a call. No retries of
 * its own.
 */
export async function describeRoles(
  ctx: RunContext,
  regionId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const pages = await Promise.all(
    chunk(ids, MAX_IDS_PER_ROLE_READ).map((batch) => describeRoleChunk(ctx, regionId, batch)),
  );
  return new Map(pages.flatMap((roles) => [...roles]));
}

/**
 * Roles of ≤ 50 instances, page by page. ECS answers a row for every instance asked about, `""` for one without
 * a role, though the samples show only rows with one (cloud-facts ECS-7): paging goes by the raw row count and
 * `TotalCount` (ECS-8), never by the rows that carry a role, so it is right either way. At most one row per
 * instance, so ⌈ids/50⌉ pages hold every row; one more tolerates a `TotalCount` that counts something else.
 */
async function describeRoleChunk(
  ctx: RunContext,
  regionId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const roles = new Map<string, string>();
  const answered = new Set<string>();
  const maxPages = Math.ceil(ids.length / MAX_ROLE_PAGE_SIZE) + 1;
  let rows = 0;
  for (let page = 1; page <= maxPages; page++) {
    const result = await ctx.ecsLimit(() =>
      ctx.gateway.describeInstanceRoles(regionId, ids, page, callOptions(ctx)),
    );
    for (const { instanceId, roleName } of result.rows) {
      answered.add(instanceId);
      if (roleName !== null) roles.set(instanceId, roleName);
    }
    rows += result.rowCount;
    if (
      result.rowCount < MAX_ROLE_PAGE_SIZE ||
      (result.totalCount !== undefined && rows >= result.totalCount) ||
      ids.every((id) => answered.has(id))
    ) {
      break;
    }
  }
  return roles;
}
