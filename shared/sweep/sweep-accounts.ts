/**
 * Which accounts a new sweep walks, and which regions in each: the accounts the event path would act in (the
 * policy's `accounts:`, or the Resource Directory's members, as ACCOUNTS says; the function's own account
 * alone without ACCOUNTS), each with the regions the scope module lets the policy govern there.
 */
import type { AccountDirectory } from '../accounts/account-directory.js';
import type { Config } from '../config/config.js';
import type { CredentialProvider } from '../credentials/credentials.js';
import type { Logger } from '../logging/logger.js';
import type { Policy } from '../policy/policy.js';
import { inScope, outOfScope } from '../policy/scope.js';
import { type RetryOptions, withRetry } from '../retry/retry.js';
import { MAX_SWEEP_ACCOUNTS, type SweepAccount } from './sweep-cursor.js';

/**
 * An account's regions: SWEEP_REGIONS, else the account's own `regions` in the policy, else the policy's, else
 * the function's; never one the policy does not govern in that account (`inScope`), and the dropped ones logged.
 */
export function accountRegions(
  config: Config,
  policy: Policy,
  ownRegion: string,
  accountId: string,
  log?: Logger,
): string[] {
  const listed = policy.accounts?.find((a) => a.id === accountId)?.regions;
  const wanted = config.sweep.regions ?? listed ?? policy.regions ?? [ownRegion];
  const kept = wanted.filter((regionId) => inScope(policy, { regionId, accountId }));
  const dropped = wanted.filter((regionId) => !kept.includes(regionId));
  if (dropped.length > 0) {
    log?.warn({ accountId, dropped }, 'regions the policy skips in this account: not swept');
  }
  return kept;
}

/**
 * The directory's accounts the policy governs: its `accounts:` scope them as an event's account is scoped (the
 * sweep and the CLI's `--accounts-from resource-directory` alike).
 */
export function governedAccounts(policy: Policy, regionId: string, ids: readonly string[]): string[] {
  return ids.filter((accountId) => outOfScope(policy, { regionId, accountId })?.reason !== 'account');
}

export interface SweepAccountsInput {
  config: Config;
  policy: Policy;
  ownAccountId: string;
  ownRegion: string;
  /** `undefined`: ACCOUNTS is unset, the function serves its own account only. */
  directory: AccountDirectory | undefined;
  caller: CredentialProvider;
  /** The directory is retried as the event path retries it. */
  retry: Omit<RetryOptions, 'describe' | 'onRetry' | 'minAttemptMs'>;
  log: Logger;
}

/**
 * The accounts in the order they are walked, with their regions; accounts left without a region are left out.
 * The directory's members are scoped by the policy's `accounts:` as an event's account is. Throws (an
 * `OperationError`) when the directory cannot be listed.
 */
export async function sweepAccounts(input: SweepAccountsInput): Promise<SweepAccount[]> {
  const { config, policy, log } = input;
  const ids =
    input.directory === undefined
      ? [input.ownAccountId]
      : await withRetry(() => (input.directory as AccountDirectory).list(input.caller), input.retry);
  const governed = governedAccounts(policy, input.ownRegion, ids);
  const outside = ids.length - governed.length;
  if (outside > 0)
    log.info({ accounts: outside }, "directory accounts outside the policy's accounts: not swept");
  const accounts = governed
    .map((accountId) => ({
      accountId,
      regions: accountRegions(config, policy, input.ownRegion, accountId, log),
    }))
    .filter((a) => a.regions.length > 0);
  if (accounts.length > MAX_SWEEP_ACCOUNTS) {
    log.error(
      { accounts: accounts.length, swept: MAX_SWEEP_ACCOUNTS },
      `more accounts than one sweep walks (${MAX_SWEEP_ACCOUNTS}): the rest are not swept (the event path still serves them)`,
    );
  }
  return accounts.slice(0, MAX_SWEEP_ACCOUNTS);
}
