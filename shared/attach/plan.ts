import type { InstanceState } from '../ecs/ecs-gateway.js';
import type { Decision, Policy } from '../policy/policy.js';
import type { InstanceOutcome } from './outcomes.js';

/** What to do about one instance, given the policy's decision and the instance's current role. */
export type Plan =
  /** Nothing to write: the outcome is final. */
  | { kind: 'done'; result: Omit<InstanceOutcome, 'instanceId' | 'regionId'>; reportConflict?: boolean }
  | { kind: 'attach'; role: string; rule: string }
  | { kind: 'replace'; role: string; from: string; rule: string };

/**
 * Pure: decides the write for one instance from its state now, its current role and the policy's decision.
 * Encodes `onExistingRole` and `mode`; no I/O, so every branch is testable as data.
 */
export function planInstance(
  policy: Policy,
  state: InstanceState,
  currentRole: string | null,
  decision: Decision,
): Plan {
  if (state.status === 'Deleted') return done({ outcome: 'skipped', reason: 'deleted' });
  if (state.networkType === 'classic') {
    // ECS refuses instance roles on classic network (InvalidNetworkType.MismatchRamRole): no call can succeed.
    return done({ outcome: 'skipped', reason: 'classic-network' });
  }
  switch (decision.action) {
    case 'skip':
      return decision.reason === 'policy'
        ? done({ outcome: 'skipped', reason: 'policy', rule: decision.rule })
        : done({ outcome: 'skipped', reason: decision.reason });
    case 'no-rule':
      return done({ outcome: 'no-rule' });
    case 'refused':
      return done({ outcome: 'refused', role: decision.role, rule: decision.rule, reason: decision.reason });
    case 'attach':
      break;
  }
  const { role, rule } = decision;
  if (currentRole === role) return done({ outcome: 'already-correct', role, rule });
  const dryRun = policy.mode === 'dry-run';
  if (currentRole === null) {
    return dryRun ? done({ outcome: 'would-attach', role, rule }) : { kind: 'attach', role, rule };
  }
  const replace =
    policy.onExistingRole === 'replace' ||
    (policy.onExistingRole === 'replace-managed' && policy.allowedRoles.includes(currentRole));
  if (!replace) {
    return {
      kind: 'done',
      result: { outcome: 'conflict', role, previousRole: currentRole, rule, reason: conflictReason(policy) },
      reportConflict: policy.reportConflicts,
    };
  }
  return dryRun
    ? done({ outcome: 'would-replace', role, previousRole: currentRole, rule })
    : { kind: 'replace', role, from: currentRole, rule };
}

function done(result: Omit<InstanceOutcome, 'instanceId' | 'regionId'>): Plan {
  return { kind: 'done', result };
}

function conflictReason(policy: Policy): string {
  return policy.onExistingRole === 'keep'
    ? 'the instance has another role and onExistingRole is keep'
    : 'the instance has a role this policy does not manage (not in allowedRoles) and onExistingRole is replace-managed';
}
