/**
 * The policy's scope: which instances it governs at all — its account among `accounts:` (when listed) and its
 * region among the policy's `regions` and its account's own. The one place that decides it; everything else (the
 * decision, its explanation, the reconcile's early skip before any ECS call, the sweep's regions, the lint) asks
 * here.
 */
import { type CompiledPolicy, compiledPolicy } from './compiled-policy.js';
import type { Policy } from './policy.js';

/** Where an instance lives, as far as the scope goes. */
export interface Place {
  readonly regionId: string;
  readonly accountId?: string | undefined;
}

export type OutOfScope =
  /** The policy lists `accounts:` and this account is not one of them (or the instance's account is unknown). */
  | { reason: 'account'; accountId: string | undefined; accounts: readonly string[] }
  /** The region is outside the policy's `regions`, or outside its account's `regions`. */
  | { reason: 'region'; regionId: string; regions: readonly string[]; of: 'policy' | 'account' };

type Miss = 'account' | 'policy-region' | 'account-region';

/** Why `place` is outside the compiled scope, in a word, or undefined when it is inside. */
function miss(compiled: CompiledPolicy, place: Place): Miss | undefined {
  const { accountId } = place;
  // The account first: an account nobody listed is refused whatever its region.
  if (compiled.accounts !== undefined && (accountId === undefined || !compiled.accounts.has(accountId)))
    return 'account';
  if (compiled.regions !== undefined && !compiled.regions.has(place.regionId)) return 'policy-region';
  if (compiled.accounts === undefined || accountId === undefined) return undefined;
  const regions = compiled.accounts.get(accountId);
  return regions !== undefined && !regions.has(place.regionId) ? 'account-region' : undefined;
}

/** Why the policy does not govern `place`, with what it would allow; undefined when it does. */
export function outOfScope(policy: Policy, place: Place): OutOfScope | undefined {
  switch (miss(compiledPolicy(policy), place)) {
    case undefined:
      return undefined;
    case 'account':
      return {
        reason: 'account',
        accountId: place.accountId,
        accounts: (policy.accounts ?? []).map((a) => a.id),
      };
    case 'policy-region':
      return { reason: 'region', regionId: place.regionId, regions: policy.regions ?? [], of: 'policy' };
    case 'account-region': {
      const listed = policy.accounts?.find((a) => a.id === place.accountId)?.regions ?? [];
      return { reason: 'region', regionId: place.regionId, regions: listed, of: 'account' };
    }
  }
}

/**
 * Whether the policy's `regions` include `regionId`, whatever the account: for questions about a region alone
 * (the lint, the sweep's regions). An instance's question is `inScope`, which checks its account too.
 */
export function regionInScope(policy: Policy, regionId: string): boolean {
  const { regions } = compiledPolicy(policy);
  return regions === undefined || regions.has(regionId);
}

/** Whether the policy governs instances in `place`: a policy without `regions` or `accounts` governs them all. */
export function inScope(policy: Policy, place: Place): boolean {
  return inCompiledScope(compiledPolicy(policy), place);
}

/** The same, for `decide`, which holds the compiled policy already (one cache lookup per decision, not two). */
export function inCompiledScope(compiled: CompiledPolicy, place: Place): boolean {
  return miss(compiled, place) === undefined;
}
