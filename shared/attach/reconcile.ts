import { groupBy } from '../collections/chunk.js';
import type { InstanceState } from '../ecs/ecs-gateway.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import { decide } from '../policy/decide.js';
import { outOfScope } from '../policy/scope.js';
import { failureKind, Ledger } from './ledger.js';
import { isNew } from './new-instances.js';
import type { Summary } from './outcomes.js';
import { summarize } from './outcomes.js';
import { planInstance } from './plan.js';
import { type RegionState, readCurrentRoles, readRegionState } from './read-state.js';
import type { RunContext } from './run-context.js';
import { settlePlan } from './settle-plan.js';
import { type RoleWrite, roleWrite, writeRoles } from './write-roles.js';

const deadlineInfo: ErrorInfo = {
  code: 'DeadlineExceeded',
  message: 'the invocation ran out of time before this instance was handled',
  errorClass: 'retryable',
  uncertain: false,
};

export interface ReconcileResult {
  summary: Summary;
  ledger: Ledger;
}

/**
 * Brings every referenced instance to the role its tags call for, region by region: read the truth, decide
 * with the policy, write what differs. Level-triggered: the outcome depends on the instances' state now, not
 * on what the events said, so duplicates and out-of-order events converge to the same state.
 */
export async function reconcile(ctx: RunContext, refs: readonly InstanceRef[]): Promise<ReconcileResult> {
  return run(ctx, refs, (accountCtx, regionId, inScope) => readRegionState(accountCtx, regionId, inScope));
}

/**
 * The same, for instances a listing (`DescribeInstances` by page, the sweep) has just read: only their roles are
 * read, then the same decisions and writes. `refs` names exactly the `listed` instances, all in `regionId`.
 */
export async function reconcileListed(
  ctx: RunContext,
  regionId: string,
  listed: readonly InstanceState[],
  refs: readonly InstanceRef[],
): Promise<ReconcileResult> {
  return run(ctx, refs, async (accountCtx) => {
    const state: RegionState = {
      instances: new Map(listed.map((instance) => [instance.instanceId, instance])),
      roles: new Map(),
      failed: new Map(),
      // A listing names no instance from a creation event.
      graceEnds: new Map(),
      unread: new Set(),
    };
    await readCurrentRoles(accountCtx, regionId, state);
    return state;
  });
}

/** Reads one region's truth with the account's context (its ECS gateway: the account's credentials). */
type ReadState = (ctx: RunContext, regionId: string, refs: readonly InstanceRef[]) => Promise<RegionState>;

async function run(ctx: RunContext, refs: readonly InstanceRef[], read: ReadState): Promise<ReconcileResult> {
  const ledger = new Ledger(refs, ctx.fcRequestId, ctx.now);
  const byAccount = groupBy(refs, (ref) => ref.accountId ?? '');
  await Promise.all(
    [...byAccount].map(([account, accountRefs]) =>
      reconcileAccount(ctx, ledger, account === '' ? undefined : account, accountRefs, read),
    ),
  );

  // Anything without an outcome was cut off by the deadline (design: "Bounded").
  for (const ref of ledger.unsettled()) {
    ledger.deadLetter(ref.regionId, ref.instanceId, { kind: 'deadline', info: deadlineInfo, attempts: 0 });
  }
  return { summary: summarize(ledger.results()), ledger };
}

/**
 * One account's instances: out-of-scope ones are settled first (no credentials are fetched for an account the
 * policy or the configuration refuses), then the account's credentials, then each region.
 */
async function reconcileAccount(
  ctx: RunContext,
  ledger: Ledger,
  accountId: string | undefined,
  refs: readonly InstanceRef[],
  read: ReadState,
): Promise<void> {
  // Out of scope costs no call at all (the one scope check: shared/policy/scope.ts).
  const inScope = refs.filter((ref) => {
    const outside = outOfScope(ctx.policy, { regionId: ref.regionId, accountId });
    if (outside === undefined) return true;
    ledger.settle(ref.regionId, ref.instanceId, { outcome: 'skipped', reason: outside.reason });
    return false;
  });
  if (inScope.length === 0) return;
  let gateway = ctx.gateway;
  if (ctx.accessFor !== undefined) {
    const access = await ctx.accessFor(accountId);
    if (access.kind === 'refused') {
      for (const ref of inScope)
        ledger.settle(ref.regionId, ref.instanceId, { outcome: 'skipped', reason: 'account' });
      return;
    }
    if (access.kind === 'failed') {
      // One record per instance; the alert function groups them by account (error.scope), not by region.
      for (const ref of inScope) {
        ledger.deadLetter(ref.regionId, ref.instanceId, {
          kind: 'attach-failed',
          info: access.info,
          attempts: access.attempts,
          scope: 'account',
        });
      }
      return;
    }
    gateway = access.gateway;
  }
  const accountCtx = gateway === ctx.gateway ? ctx : { ...ctx, gateway };
  const byRegion = groupBy(inScope, (ref) => ref.regionId);
  await Promise.all(
    [...byRegion].map(([regionId, regionRefs]) =>
      reconcileRegion(accountCtx, ledger, regionId, regionRefs, read),
    ),
  );
}

async function reconcileRegion(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  inScope: readonly InstanceRef[],
  read: ReadState,
): Promise<void> {
  const state = await read(ctx, regionId, inScope);
  for (const [id, failure] of state.failed) {
    ledger.deadLetter(regionId, id, {
      kind: failureKind(failure),
      info: { ...failure.info, message: `could not read the instance: ${failure.info.message}` },
      attempts: failure.attempts,
    });
  }

  const writes: RoleWrite[] = [];
  for (const [id, instance] of state.instances) {
    if (instance === null) {
      ledger.settle(regionId, id, { outcome: 'skipped', reason: 'not-found' });
      continue;
    }
    const currentRole = state.roles.get(id) ?? null;
    const { accountId } = ledger.ref(regionId, id);
    const decision = decide(ctx.policy, {
      instanceId: id,
      regionId,
      ...(accountId === undefined ? {} : { accountId }),
      tags: instance.tags,
    });
    const plan = planInstance(ctx.policy, instance, currentRole, decision);
    switch (plan.kind) {
      case 'done':
        settlePlan(ledger, regionId, id, plan, currentRole);
        break;
      case 'attach':
        writes.push(
          roleWrite(instance, plan, {
            isNew: isNew(state.graceEnds, id, ctx.now()),
            unread: state.unread.has(id),
          }),
        );
        break;
      case 'replace':
        writes.push(roleWrite(instance, plan, { isNew: false }));
        break;
    }
  }
  if (writes.length > 0) await writeRoles(ctx, ledger, regionId, writes);
}
