/**
 * The policy's scope: which instances it governs at all. The one place that decides it; everything else
 * (the decision, its explanation, the reconcile's early skip, the sweep's regions, the lint) asks here.
 */
import { compiledPolicy } from './compiled-policy.js';
import type { Policy } from './policy.js';

/** Where an instance lives, as far as the scope goes (an account scope would add `accountId` here). */
export interface Place {
  readonly regionId: string;
}

/** Whether the policy governs instances in `place`: a policy without `regions` governs every region. */
export function inScope(policy: Policy, place: Place): boolean {
  const { regions } = compiledPolicy(policy);
  return regions === undefined || regions.has(place.regionId);
}
