import type { InstanceState } from '../ecs/ecs-gateway.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { InstanceRef } from '../events/instance-ref.js';
import { decide } from '../policy/decide.js';
import { inScope } from '../policy/scope.js';
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
  return run(ctx, refs, (regionId, governed) => readRegionState(ctx, regionId, governed));
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
  return run(ctx, refs, async () => {
    const state: RegionState = {
      instances: new Map(listed.map((instance) => [instance.instanceId, instance])),
      roles: new Map(),
      failed: new Map(),
      // A listing names no instance from a creation event.
      graceEnds: new Map(),
    };
    await readCurrentRoles(ctx, regionId, state);
    return state;
  });
}

type ReadState = (regionId: string, refs: readonly InstanceRef[]) => Promise<RegionState>;

async function run(ctx: RunContext, refs: readonly InstanceRef[], read: ReadState): Promise<ReconcileResult> {
  const ledger = new Ledger(refs, ctx.fcRequestId, ctx.now);
  const byRegion = new Map<string, InstanceRef[]>();
  for (const ref of refs) {
    const list = byRegion.get(ref.regionId);
    if (list === undefined) byRegion.set(ref.regionId, [ref]);
    else list.push(ref);
  }
  await Promise.all(
    [...byRegion].map(([regionId, regionRefs]) => reconcileRegion(ctx, ledger, regionId, regionRefs, read)),
  );

  // Anything without an outcome was cut off by the deadline (design: "Bounded").
  for (const ref of ledger.unsettled()) {
    ledger.deadLetter(ref.regionId, ref.instanceId, { kind: 'deadline', info: deadlineInfo, attempts: 0 });
  }
  return { summary: summarize(ledger.results()), ledger };
}

async function reconcileRegion(
  ctx: RunContext,
  ledger: Ledger,
  regionId: string,
  refs: readonly InstanceRef[],
  read: ReadState,
): Promise<void> {
  // Out-of-scope regions cost no ECS call.
  const governed = refs.filter((ref) => {
    if (inScope(ctx.policy, ref)) return true;
    ledger.settle(regionId, ref.instanceId, { outcome: 'skipped', reason: 'region' });
    return false;
  });
  if (governed.length === 0) return;

  const state = await read(regionId, governed);
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
    const decision = decide(ctx.policy, { instanceId: id, regionId, tags: instance.tags });
    const plan = planInstance(ctx.policy, instance, currentRole, decision);
    switch (plan.kind) {
      case 'done':
        settlePlan(ledger, regionId, id, plan, currentRole);
        break;
      case 'attach':
        writes.push(roleWrite(instance, plan, { isNew: isNew(state.graceEnds, id, ctx.now()) }));
        break;
      case 'replace':
        writes.push(roleWrite(instance, plan, { isNew: false }));
        break;
    }
  }
  if (writes.length > 0) await writeRoles(ctx, ledger, regionId, writes);
}
