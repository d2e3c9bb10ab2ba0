/**
 * Whether an instance is inside the policy's scope at all: its account among `accounts:` (when listed) and its
 * region among the policy's `regions` and its account's own. The one owner of this check: `decide`, `explain`
 * and `reconcile` (which skips out-of-scope instances before any ECS call) all ask here.
 */
import { compiledPolicy } from './compiled-policy.js';
import type { Policy } from './policy.js';

export type OutOfScope =
  /** The policy lists `accounts:` and this account is not one of them (or the instance's account is unknown). */
  | { reason: 'account'; accountId: string | undefined; accounts: readonly string[] }
  /** The region is outside the policy's `regions`, or outside its account's `regions`. */
  | { reason: 'region'; regionId: string; regions: readonly string[]; of: 'policy' | 'account' };

export function outOfScope(
  policy: Policy,
  where: { regionId: string; accountId?: string | undefined },
): OutOfScope | undefined {
  const compiled = compiledPolicy(policy);
  const { accountId } = where;
  // The account first: an account nobody listed is refused whatever its region.
  if (compiled.accounts !== undefined && (accountId === undefined || !compiled.accounts.has(accountId))) {
    return { reason: 'account', accountId, accounts: (policy.accounts ?? []).map((a) => a.id) };
  }
  if (compiled.regions !== undefined && !compiled.regions.has(where.regionId)) {
    return { reason: 'region', regionId: where.regionId, regions: policy.regions ?? [], of: 'policy' };
  }
  if (compiled.accounts === undefined || accountId === undefined) return undefined;
  const regions = compiled.accounts.get(accountId);
  if (regions !== undefined && !regions.has(where.regionId)) {
    const listed = policy.accounts?.find((a) => a.id === accountId)?.regions ?? [];
    return { reason: 'region', regionId: where.regionId, regions: listed, of: 'account' };
  }
  return undefined;
}
