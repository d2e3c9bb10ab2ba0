import type { InstanceState } from '../ecs/ecs-gateway.js';
import { MAX_IDS_PER_CALL, MAX_IDS_PER_ROLE_READ, MAX_ROLE_PAGE_SIZE } from '../ecs/ecs-gateway.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import { OperationError, withRetry } from '../retry/retry.js';
import { type ItemFailure, type ItemResult, retryBatch } from '../retry/retry-batch.js';
import type { RunContext } from './run-context.js';

export interface RegionState {
  /** `null`: ECS does not know the instance (deleted, or never existed). */
  instances: Map<string, InstanceState | null>;
  /** Current role per instance; instances with no role map to `null`. */
  roles: Map<string, string | null>;
  /** Instances whose state could not be read, with why. */
  failed: Map<string, ItemFailure>;
}

export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Time left for one ECS call: the whole remaining budget (the gateway caps it at the configured timeouts). */
export const callOptions = (ctx: RunContext) => ({ timeoutMs: ctx.deadline.remainingMs() });

/** An ECS call given less time than this would only time out; past this point the deadline has come. */
const MIN_CALL_MS = 100;

/** A creation event may name an instance ECS does not list yet (cloud-facts ECS-25). */
const notVisibleYet: ErrorInfo = {
  code: 'InvalidInstanceId.NotFound',
  message: 'ECS does not show this instance yet (it was created moments ago)',
  errorClass: 'retryable',
  uncertain: false,
};

/**
 * Reads the truth for one region: status, network and tags (DescribeInstances, ≤ 100 ids a call) and current
 * roles (DescribeInstanceRamRole, ≤ 50 ids a call). An instance a creation event named a moment ago may not be
 * visible yet, so it is asked for again (with backoff) rather than taken as deleted — until its grace
 * (`newInstanceGraceMs` from its creation) ends; then, still missing, it is what ECS says: not there.
 */
export async function readRegionState(
  ctx: RunContext,
  regionId: string,
  refs: readonly InstanceRef[],
): Promise<RegionState> {
  const state: RegionState = { instances: new Map(), roles: new Map(), failed: new Map() };
  // Each brand-new instance is waited for until its grace ends, not until the deadline or the last attempt.
  const graceEnds = new Map<string, number>();
  for (const ref of refs) {
    const at = createdAt(ctx, ref);
    if (at !== undefined && at + ctx.newInstanceGraceMs > ctx.now())
      graceEnds.set(ref.instanceId, at + ctx.newInstanceGraceMs);
  }
  const waitingFor = (id: string) => (graceEnds.get(id) ?? Number.NEGATIVE_INFINITY) > ctx.now();

  await Promise.all(
    chunk(
      refs.map((ref) => ref.instanceId),
      MAX_IDS_PER_CALL,
    ).map(async (ids) => {
      const outcome = await retryBatch<InstanceState | null>(
        ids,
        async (pending) => {
          const found = await ctx.ecsLimit(() =>
            ctx.gateway.describeInstances(regionId, pending, callOptions(ctx)),
          );
          const byId = new Map(found.map((instance) => [instance.instanceId, instance]));
          // Only for instances that should be visible: brand-new ones are expected to be missing for a while. Since
          // 2025-12-20 ECS answers Forbidden.RAM instead; before, an empty list (cloud-facts ECS-20).
          if (found.length === 0 && pending.length > 1 && !pending.some(waitingFor)) {
            ctx.logger.warn(
              { regionId, asked: pending.length },
              'DescribeInstances returned none of the instances asked for: they were deleted, or the function role lacks ecs:DescribeInstances (ECS answered an empty list for that until 2025-12-20, Forbidden.RAM since)',
            );
          }
          return new Map(
            pending.map((id): [string, ItemResult<InstanceState | null>] => {
              const instance = byId.get(id);
              if (instance !== undefined) return [id, { ok: true, value: instance }];
              return [id, waitingFor(id) ? { ok: false, info: notVisibleYet } : { ok: true, value: null }];
            }),
          );
        },
        retryOptions(ctx),
      );
      for (const [id, instance] of outcome.ok) state.instances.set(id, instance);
      for (const [id, failure] of outcome.failed) state.failed.set(id, failure);
    }),
  );

  await readCurrentRoles(ctx, regionId, state);
  return state;
}

/**
 * The current roles of the live instances in `state` (≤ 50 ids a call), into `state.roles`; a chunk that cannot
 * be read moves its instances to `state.failed`. Also the sweep's entry, whose instances come from a listing.
 */
export async function readCurrentRoles(ctx: RunContext, regionId: string, state: RegionState): Promise<void> {
  // Classic-network instances cannot have a role and are skipped; asking about one may fail the whole call
  // (cloud-facts ECS-9).
  const live = [...state.instances.entries()]
    .filter(
      ([, instance]) =>
        instance !== null && instance.status !== 'Deleted' && instance.networkType !== 'classic',
    )
    .map(([id]) => id);
  await Promise.all(chunk(live, MAX_IDS_PER_ROLE_READ).map((ids) => readRoles(ctx, regionId, ids, state)));
}

/** Current roles of ≤ 50 instances. A failure marks the whole chunk as unreadable. */
async function readRoles(
  ctx: RunContext,
  regionId: string,
  ids: string[],
  state: RegionState,
): Promise<void> {
  try {
    const roles = await withRetry(() => describeRoles(ctx, regionId, ids), retryOptions(ctx));
    for (const id of ids) state.roles.set(id, roles.get(id) ?? null);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    for (const id of ids) {
      state.instances.delete(id);
      state.failed.set(id, { info: error.info, attempts: error.attempts, stoppedBy: error.stoppedBy });
    }
  }
}

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

export function retryOptions(ctx: RunContext) {
  return {
    deadline: ctx.deadline,
    maxAttempts: ctx.retry.maxAttempts,
    backoff: ctx.retry.backoff,
    minAttemptMs: MIN_CALL_MS,
    ...(ctx.sleep === undefined ? {} : { sleep: ctx.sleep }),
    ...(ctx.random === undefined ? {} : { random: ctx.random }),
  };
}

/**
 * When a creation event's instance was created, for references from creation events: the event's time, never
 * later than the invocation's clock. An event dated in the future (a skewed clock, a forged event) is taken as
 * dated now, so it buys no more waiting than a fresh one. No time, or one that does not parse: now.
 */
export function createdAt(ctx: RunContext, ref: InstanceRef): number | undefined {
  if (ref.reason !== 'created') return undefined;
  const now = ctx.now();
  const at = ref.eventTime === undefined ? Number.NaN : Date.parse(ref.eventTime);
  return Number.isNaN(at) ? now : Math.min(at, now);
}

/** A reference from a creation event young enough that ECS may not list the instance yet. */
export function isRecentlyCreated(ctx: RunContext, ref: InstanceRef): boolean {
  const at = createdAt(ctx, ref);
  return at !== undefined && ctx.now() - at < ctx.newInstanceGraceMs;
}
