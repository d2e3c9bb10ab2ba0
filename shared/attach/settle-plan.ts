import type { Ledger } from './ledger.js';
import type { Plan } from './plan.js';

/**
 * Records a plan that needs no write: its outcome, and for a conflict the policy reports, a `conflict` record.
 * Used where the plan is first made and where a write found the instance other than the read had shown it.
 */
export function settlePlan(
  ledger: Ledger,
  regionId: string,
  instanceId: string,
  plan: Extract<Plan, { kind: 'done' }>,
  currentRole: string | null,
): void {
  ledger.settle(regionId, instanceId, plan.result);
  if (!plan.reportConflict) return;
  ledger.record(regionId, instanceId, {
    kind: 'conflict',
    info: {
      code: 'RoleConflict',
      message: plan.result.reason ?? 'the instance has another role',
      errorClass: 'permanent',
      uncertain: false,
    },
    attempts: 0,
    desiredRole: plan.result.role ?? null,
    currentRole,
    ...(plan.result.rule === undefined ? {} : { rule: plan.result.rule }),
  });
}
