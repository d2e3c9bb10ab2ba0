import { chunk } from '../collections/chunk.js';
import type { InstanceState } from '../ecs/ecs-gateway.js';
import { MAX_IDS_PER_CALL, MAX_IDS_PER_ROLE_READ } from '../ecs/ecs-gateway.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import { OperationError, withRetry } from '../retry/retry.js';
import { type ItemFailure, type ItemResult, retryBatch } from '../retry/retry-batch.js';
import { callOptions, retryOptions } from './call-options.js';
import { describeRoles } from './describe-roles.js';
import { isNew, newInstances } from './new-instances.js';
import type { RunContext } from './run-context.js';

export interface RegionState {
  /** `null`: ECS does not know the instance (deleted, or never existed). */
  instances: Map<string, InstanceState | null>;
  /** Current role per instance; instances with no role map to `null`. */
  roles: Map<string, string | null>;
  /** Instances whose state could not be read, with why. */
  failed: Map<string, ItemFailure>;
  /** Brand-new instances and when their grace ends (`newInstances`); none for a listing's. */
  graceEnds: ReadonlyMap<string, number>;
  /**
   * Instances a launch event named within their grace whose role was not read: taken as having none, and
   * attached straight away (cloud-facts ECS-34: an attach never replaces a role, and one that fails is re-read).
   * In `roles` as `null`.
   */
  unread: Set<string>;
}

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
  // Each brand-new instance is waited for until its grace ends, not until the deadline or the last attempt.
  const graceEnds = newInstances(ctx, refs);
  const state: RegionState = {
    instances: new Map(),
    roles: new Map(),
    failed: new Map(),
    graceEnds,
    unread: new Set(),
  };
  const waitingFor = (id: string) => isNew(graceEnds, id, ctx.now());

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

  // Attach-first: a launched instance has no role yet unless it was launched with one, and reading it costs one
  // throttled call per 50. Only for a launch event (a restarted instance most likely has its role) within its
  // grace; one this FC instance has just seen as wanted is read, as attaching it again would be refused for sure;
  // a dry run writes nothing, so it reads every role to say truly what it would do.
  const attachFirst = (id: string) => waitingFor(id) && !ctx.recentWrites?.has(regionId, id, ctx.now());
  const unread =
    ctx.policy.mode === 'dry-run'
      ? []
      : refs.filter((ref) => ref.launch && attachFirst(ref.instanceId)).map((ref) => ref.instanceId);
  await readCurrentRoles(ctx, regionId, state, new Set(unread));
  return state;
}

/**
 * The current roles of the live instances in `state` (≤ 50 ids a call), into `state.roles`; a chunk that cannot
 * be read moves its instances to `state.failed`. Those in `unread` are not read: they go to `state.unread`, with no
 * role. Also the sweep's entry, whose instances come from a listing.
 */
export async function readCurrentRoles(
  ctx: RunContext,
  regionId: string,
  state: RegionState,
  unread: ReadonlySet<string> = new Set(),
): Promise<void> {
  // Classic-network instances cannot have a role and are skipped; asking about one may fail the whole call
  // (cloud-facts ECS-9).
  const live = [...state.instances.entries()]
    .filter(
      ([, instance]) =>
        instance !== null && instance.status !== 'Deleted' && instance.networkType !== 'classic',
    )
    .map(([id]) => id);
  const toRead: string[] = [];
  for (const id of live) {
    if (!unread.has(id)) toRead.push(id);
    else {
      state.unread.add(id);
      state.roles.set(id, null);
    }
  }
  await Promise.all(chunk(toRead, MAX_IDS_PER_ROLE_READ).map((ids) => readRoles(ctx, regionId, ids, state)));
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
