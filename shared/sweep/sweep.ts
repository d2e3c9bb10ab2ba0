import type { InstanceOutcome, Outcome } from '../attach/outcomes.js';
import type { RunContext } from '../attach/run-context.js';
import type { DeadLetterRecord } from '../dead-letter/dead-letter-record.js';
import type { ErrorInfo } from '../errors/classify.js';
import type { Logger } from '../logging/logger.js';
import {
  cursorAfterAccount,
  cursorAfterRegion,
  type FailedAccount,
  onListingFailure,
  type SweepCursor,
} from './sweep-cursor.js';
import { type WalkedPage, walkRegion } from './walk-region.js';

/** Outcome counts per region: the sweep's summary (also carried from one invocation of a sweep to the next). */
export type RegionCounts = Record<string, Partial<Record<Outcome, number>>>;
/** The same per account: what one invocation reports. */
export type AccountCounts = Record<string, RegionCounts>;

/**
 * An account's engine context for the sweep (its credentials, its own rate budget), or why there is none: the
 * same answers as the event path's `accessFor`.
 */
export type AccountContext =
  | { kind: 'ready'; ctx: RunContext }
  | { kind: 'refused' }
  | { kind: 'failed'; info: ErrorInfo; attempts: number };

/**
 * An account to walk and its regions. `accountId` undefined: the account of the credentials at hand, unnamed (the
 * CLI on a single-account policy without an account id); its references then carry none, as before accounts.
 */
export interface SweepTarget {
  accountId?: string | undefined;
  regions: readonly string[];
}

/** The key an unnamed account's counts and problems go under. */
export const OWN_ACCOUNT = '-';

export interface SweepRunOptions {
  /** The accounts to walk, each with its regions, in order (the cursor indexes into them). */
  accounts: readonly SweepTarget[];
  /** Each account's context, asked once per account per run, before its first region. */
  contextFor: (account: SweepTarget) => Promise<AccountContext>;
  cursor: SweepCursor;
  /** `false`: decide and report, write nothing (`plan`). */
  writes: boolean;
  /** Where a page's dead-letter records go; a throw stops the sweep (the invocation fails, FC retries it). */
  deadLetter: (records: readonly DeadLetterRecord[]) => Promise<void>;
  /** Each page's outcomes (the function logs the ones worth a line; `plan` prints them all). */
  onResults?: (results: readonly InstanceOutcome[], page: WalkedPage) => void;
  log: Logger;
  pagesInFlight?: number;
}

export interface SweepRun {
  /** Counts of this run only, per account, region and outcome. */
  counts: AccountCounts;
  pages: number;
  /** Regions that could not be listed, with the code. */
  skipped: { accountId: string; regionId: string; code: string }[];
  /** Regions started over because their NextToken was refused. */
  restarted: { accountId: string; regionId: string }[];
  /** Accounts not walked: their credentials could not be had, or the account is no longer configured. */
  failedAccounts: FailedAccount[];
  /** Where to go on (in a new invocation), or `null`: the sweep is complete. */
  next: SweepCursor | null;
}

/** The code a refused account is reported with (no call was made: nothing answered). */
export const NOT_CONFIGURED = 'Account.NotConfigured';

/**
 * Sweeps the accounts from `cursor` on, account by account, region by region, page by page, until all are swept
 * or the deadline is near (then `next` says where to go on). Each account's context is had before its first
 * page; an account without one (AssumeRole failed) is logged, reported and passed over — no instance of it is
 * known, so there is nothing to dead-letter. Each page goes through the event path's engine (`walkRegion`) and its
 * failures are dead-lettered before the next page counts as done.
 */
export async function runSweep(options: SweepRunOptions): Promise<SweepRun> {
  const { accounts, log } = options;
  const regionCounts = accounts.map((a) => a.regions.length);
  const run: SweepRun = { counts: {}, pages: 0, skipped: [], restarted: [], failedAccounts: [], next: null };
  let cursor: SweepCursor | null = options.cursor;
  if ((regionCounts[cursor.accountIndex] ?? 0) === 0) cursor = cursorAfterAccount(cursor, regionCounts);
  let restarted = false;
  let entered: { accountIndex: number; ctx: RunContext } | undefined;
  while (cursor !== null) {
    const account = accounts[cursor.accountIndex];
    const regionId = account?.regions[cursor.regionIndex];
    if (account === undefined || regionId === undefined) break;
    const accountId = account.accountId ?? OWN_ACCOUNT;
    if (entered?.accountIndex !== cursor.accountIndex) {
      const access = await options.contextFor(account);
      if (access.kind !== 'ready') {
        const code = access.kind === 'failed' ? access.info.code : NOT_CONFIGURED;
        if (access.kind === 'failed') {
          log.error(
            { accountId, code, attempts: access.attempts },
            `account ${accountId}: ${access.info.message}; the sweep goes on with the other accounts`,
          );
        } else {
          log.warn({ accountId }, `account ${accountId} is no longer configured: the sweep passes it over`);
        }
        run.failedAccounts.push({ accountId, code });
        cursor = cursorAfterAccount(cursor, regionCounts);
        restarted = false;
        continue;
      }
      entered = { accountIndex: cursor.accountIndex, ctx: access.ctx };
    }
    const at: SweepCursor = cursor;
    const outcome = await walkRegion({
      ctx: entered.ctx,
      regionId,
      ...(account.accountId === undefined ? {} : { accountId: account.accountId }),
      startToken: at.nextToken,
      sweepId: at.sweepId,
      writes: options.writes,
      ...(options.pagesInFlight === undefined ? {} : { pagesInFlight: options.pagesInFlight }),
      onPage: async (page) => {
        const { results } = page.result.summary;
        const perAccount = run.counts[accountId] ?? {};
        run.counts[accountId] = perAccount;
        const counts = perAccount[regionId] ?? {};
        perAccount[regionId] = counts;
        for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
        options.onResults?.(results, page);
        if (page.result.ledger.deadLetters.length > 0)
          await options.deadLetter(page.result.ledger.deadLetters);
      },
    });
    run.pages += outcome.pages;
    switch (outcome.kind) {
      case 'done':
        cursor = cursorAfterRegion(at, regionCounts);
        restarted = false;
        break;
      case 'stopped':
        run.next = { ...at, nextToken: outcome.nextToken };
        return run;
      case 'listing-failed': {
        const decision = onListingFailure(
          { ...at, nextToken: outcome.token },
          outcome,
          regionCounts,
          restarted,
        );
        if (decision.kind === 'continue') {
          run.next = decision.cursor;
          return run;
        }
        if (decision.kind === 'restart-region') {
          log.warn(
            { accountId, regionId, code: outcome.info.code },
            `${regionId}: ECS refused the sweep's NextToken (expired or stale): listing the region again from the start`,
          );
          run.restarted.push({ accountId, regionId });
          cursor = decision.cursor;
          restarted = true;
          break;
        }
        log.error(
          { accountId, regionId, code: outcome.info.code, stoppedBy: outcome.stoppedBy },
          `${regionId}: could not list the region's instances (${outcome.info.message}); the sweep skips it`,
        );
        run.skipped.push({ accountId, regionId, code: outcome.info.code });
        cursor = decision.next;
        restarted = false;
        break;
      }
    }
  }
  return run;
}

/** Per region, summed over the accounts. */
export function regionTotals(counts: AccountCounts): RegionCounts {
  return Object.values(counts).reduce<RegionCounts>((sum, regions) => addCounts(sum, regions), {});
}

/** `a` plus `b`, per region and outcome. */
export function addCounts(a: RegionCounts, b: RegionCounts): RegionCounts {
  const sum: RegionCounts = structuredClone(a);
  for (const [regionId, counts] of Object.entries(b)) {
    const into = sum[regionId] ?? {};
    sum[regionId] = into;
    for (const [outcome, n] of Object.entries(counts) as [Outcome, number][]) {
      into[outcome] = (into[outcome] ?? 0) + n;
    }
  }
  return sum;
}
