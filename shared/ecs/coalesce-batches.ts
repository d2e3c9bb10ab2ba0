/**
 * The pure half of coalescing (`ecs-coalescer.ts` has the timing): which shared call a caller's ids join, when a
 * shared call starts, and how its answer is split back so each caller sees only the instances it asked about.
 */
import {
  type InstanceResult,
  type InstanceState,
  MAX_ROLE_PAGE_SIZE,
  type RolePage,
  type WriteResult,
} from './ecs-gateway.js';

/** The ids of several callers as one list: first-asked order, each id once. */
export function unionIds(lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}

/** How many ids `batch` would hold with `ids` added (ids already in it count once). */
export function unionSize(batch: ReadonlySet<string>, ids: readonly string[]): number {
  let added = 0;
  for (const id of new Set(ids)) if (!batch.has(id)) added++;
  return batch.size + added;
}

/**
 * The first open batch that can take `ids` without passing `max` ids, or -1 (a new batch then). A caller's ids
 * always go to one batch, never split over two, so its answer comes from one call.
 */
export function batchFor(
  batches: readonly ReadonlySet<string>[],
  ids: readonly string[],
  max: number,
): number {
  return batches.findIndex((batch) => unionSize(batch, ids) <= max);
}

/** One caller waiting in a batch: when it arrived and how long its call may take (from its own deadline). */
export interface Waiting {
  arrivedAt: number;
  timeoutMs: number;
}

/**
 * When a batch's shared call starts: at the end of the window opened by its first caller, but never after any
 * member has spent half its own time waiting, so the call still has time to answer within that member's
 * deadline. A batch with no members starts at once (nothing to wait for).
 */
export function startAt(openedAt: number, windowMs: number, members: readonly Waiting[]): number {
  let at = openedAt + windowMs;
  for (const m of members) at = Math.min(at, m.arrivedAt + Math.floor(m.timeoutMs / 2));
  return Math.max(openedAt, at);
}

/** The shared call's time limit: as long as the member whose deadline comes last still has. */
export function sharedTimeoutMs(now: number, members: readonly Waiting[]): number {
  let end = now;
  for (const m of members) end = Math.max(end, m.arrivedAt + m.timeoutMs);
  return end - now;
}

/** A caller's part of a shared DescribeInstances: the instances it asked about that ECS listed. */
export function splitInstances(found: readonly InstanceState[], ids: readonly string[]): InstanceState[] {
  const asked = new Set(ids);
  return found.filter((instance) => asked.has(instance.instanceId));
}

/**
 * A caller's part of the first page of a shared DescribeInstanceRamRole, or `undefined` when the page may not
 * hold all of its rows (a full page that left some of its ids unanswered: ECS may have more pages, whose rows
 * would be the shared list's, not the caller's). The part is a complete answer in itself (`totalCount` = its
 * rows), so the caller's paging stops there.
 */
export function splitRolePage(page: RolePage, ids: readonly string[]): RolePage | undefined {
  const asked = new Set(ids);
  const rows = page.rows.filter((row) => asked.has(row.instanceId));
  const answered = new Set(rows.map((row) => row.instanceId));
  const complete =
    page.rowCount < MAX_ROLE_PAGE_SIZE ||
    (page.totalCount !== undefined && page.totalCount <= page.rowCount) ||
    ids.every((id) => answered.has(id));
  if (!complete) return undefined;
  return { rows, rowCount: rows.length, totalCount: rows.length };
}

/**
 * A caller's part of a shared AttachInstanceRamRole or DetachInstanceRamRole: the result of each id it sent, in
 * its order, with the shared call's request id. An id the answer does not mention is `NoResult`, as
 * `perInstance` reports it, so the caller re-reads it.
 */
export function splitWrite(result: WriteResult, ids: readonly string[]): WriteResult {
  const byId = new Map(result.results.map((r) => [r.instanceId, r]));
  return {
    requestId: result.requestId,
    results: ids.map(
      (instanceId): InstanceResult =>
        byId.get(instanceId) ?? {
          instanceId,
          ok: false,
          code: 'NoResult',
          message: 'the response did not mention this instance',
        },
    ),
  };
}
