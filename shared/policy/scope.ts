/**
 * The policy's scope: which instances it governs at all. The one place that decides it; everything else
 * (the decision, its explanation, the reconcile's early skip, the sweep's regions, the lint) asks here.
 */
import { type CompiledPolicy, compiledPolicy } from './compiled-policy.js';
import type { Policy } from './policy.js';

/** Where an instance lives, as far as the scope goes (an account scope would add `accountId` here). */
export interface Place {
  readonly regionId: string;
}

/** Whether the policy governs instances in `place`: a policy without `regions` governs every region. */
export function inScope(policy: Policy, place: Place): boolean {
  return inCompiledScope(compiledPolicy(policy), place);
}

/** The same, for `decide`, which holds the compiled policy already (one cache lookup per decision, not two). */
export function inCompiledScope(compiled: CompiledPolicy, place: Place): boolean {
  return compiled.regions === undefined || compiled.regions.has(place.regionId);
}
