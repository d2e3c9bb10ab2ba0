import * as z from 'zod/mini';
import { once } from '../collections/once.js';
import { isAccountId, isRegionId } from '../ecs/ids.js';
import type { ErrorInfo } from '../errors/classify.js';

/**
 * Built on first use, not when the module loads: an event invocation recognises a continuation by its `kind`
 * before anything parses it, and building zod schemas is most of what loading a module of them costs.
 */
const ids = once(() => {
  const regionId = z.string().check(z.refine(isRegionId, 'not a valid region id'));
  const accountId = z.string().check(z.refine(isAccountId, 'not a valid account id'));
  return { regionId, accountId, regionList: z.array(regionId).check(z.maxLength(100)) };
});

/**
 * Where a sweep stands: the account it is in and the region there (indexes into its account and region lists),
 * and the page to list next. A cursor written before sweeps walked accounts has no `accountIndex`: it is the
 * first (and then only) account's, so it parses as 0.
 */
export const sweepCursorSchema = z.lazy(() =>
  z.object({
    sweepId: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (≤ 128)')),
    accountIndex: z._default(z.number().check(z.int(), z.gte(0)), 0),
    regionIndex: z.number().check(z.int(), z.gte(0)),
    /** `null`: the region's first page. */
    nextToken: z.nullable(z.string().check(z.maxLength(4096))),
  }),
);
export type SweepCursor = z.infer<typeof sweepCursorSchema>;

/** One account a sweep walks, with its own regions (the scope module's, `sweep-accounts.ts`). */
export const sweepAccountSchema = z.lazy(() =>
  z.object({ accountId: ids().accountId, regions: ids().regionList }),
);
export type SweepAccount = z.infer<typeof sweepAccountSchema>;

/** An account the sweep could not enter (its member role could not be assumed), and why. */
export const failedAccountSchema = z.lazy(() =>
  z.object({ accountId: ids().accountId, code: z.string().check(z.maxLength(256)) }),
);
export type FailedAccount = z.infer<typeof failedAccountSchema>;

/** Accounts one sweep walks at most: a Resource Directory's worth, and still a payload FC takes async (FT-13). */
export const MAX_SWEEP_ACCOUNTS = 500;

/**
 * The payload a sweep invokes itself with to go on (FC async `InvokeFunction`). It carries its account and region
 * lists, so a deploy in between (a new policy, other accounts or regions, a directory that changed) cannot move
 * the cursor's indexes under it, and the lease it holds, so it goes on under the same lease
 * (`shared/mns/queue-lease.ts`). `accounts` since sweeps walk accounts; a continuation written before has only
 * `regions`, the function's own account's.
 */
export const sweepContinuationSchema = z.lazy(() =>
  z
    .object({
      kind: z.literal('ram-role-attacher/sweep-continuation'),
      version: z.literal(1),
      cursor: sweepCursorSchema,
      /** The function's own account's regions (a continuation from before accounts), or absent with `accounts`. */
      regions: z.optional(ids().regionList.check(z.minLength(1))),
      accounts: z.optional(
        z.array(sweepAccountSchema).check(z.minLength(1), z.maxLength(MAX_SWEEP_ACCOUNTS)),
      ),
      /** The lease message, handed over by the invocation before (`shared/mns/queue-lease.ts`). */
      lease: z.optional(
        z.object({
          receiptHandle: z.string().check(z.minLength(1), z.maxLength(1024)),
          enqueuedAt: z.nullable(z.number()),
        }),
      ),
      /** This invocation's place in the sweep, the first being 1 (a bound, and the log's progress). */
      invocation: z.number().check(z.int(), z.gte(1)),
      /**
       * Outcome counts per region (summed over accounts) of the invocations before, so the last one logs the whole
       * sweep's summary. Per account only in each invocation's own log line: carried, they could outgrow the payload.
       */
      counts: z.optional(z.record(ids().regionId, z.record(z.string(), z.number().check(z.int(), z.gte(0))))),
      /** Accounts the invocations before could not enter. */
      failedAccounts: z.optional(z.array(failedAccountSchema).check(z.maxLength(MAX_SWEEP_ACCOUNTS))),
    })
    .check(
      z.refine(
        (c) => (c.regions === undefined) !== (c.accounts === undefined),
        'exactly one of regions (one account) and accounts',
      ),
    ),
);
export type SweepContinuation = z.infer<typeof sweepContinuationSchema>;

/** The accounts a continuation walks: its `accounts`, or (written before accounts) the own account's `regions`. */
export function continuationAccounts(c: SweepContinuation, ownAccountId: string): SweepAccount[] {
  return c.accounts ?? [{ accountId: ownAccountId, regions: c.regions ?? [] }];
}

/** Where the sweep goes after a page: the next page, the next region's first page, or `null` (swept everything). */
export function cursorAfterPage(
  cursor: SweepCursor,
  pageNextToken: string | null,
  regionCounts: readonly number[],
): SweepCursor | null {
  if (pageNextToken !== null) return { ...cursor, nextToken: pageNextToken };
  return cursorAfterRegion(cursor, regionCounts);
}

/**
 * The next region's first page: in this account, else the first region of the next account that has any, else
 * `null` (the last region of the last account). `regionCounts[i]` is account i's number of regions.
 */
export function cursorAfterRegion(cursor: SweepCursor, regionCounts: readonly number[]): SweepCursor | null {
  const regionIndex = cursor.regionIndex + 1;
  if (regionIndex < (regionCounts[cursor.accountIndex] ?? 0)) {
    return { sweepId: cursor.sweepId, accountIndex: cursor.accountIndex, regionIndex, nextToken: null };
  }
  return cursorAfterAccount(cursor, regionCounts);
}

/** The first region of the next account that has any, or `null`: an account skipped whole (no credentials). */
export function cursorAfterAccount(cursor: SweepCursor, regionCounts: readonly number[]): SweepCursor | null {
  for (let accountIndex = cursor.accountIndex + 1; accountIndex < regionCounts.length; accountIndex++) {
    if ((regionCounts[accountIndex] ?? 0) > 0)
      return { sweepId: cursor.sweepId, accountIndex, regionIndex: 0, nextToken: null };
  }
  return null;
}

/** Time a page is allowed, at the least, in the decision to start one (a page is a few calls of one second each). */
export const MIN_PAGE_BUDGET_MS = 3_000;

/**
 * Whether to list another page, or stop at this page boundary and continue in a new invocation. Pure. A page
 * started must finish before the deadline with the pages still in flight; the slowest page seen so far (or the
 * floor, before any) is the estimate, doubled, since rate limits and retries make pages uneven.
 */
export function shouldStartPage(input: {
  remainingMs: number;
  slowestPageMs: number;
  pagesInFlight: number;
}): boolean {
  const perPage = Math.max(MIN_PAGE_BUDGET_MS, 2 * input.slowestPageMs);
  return input.remainingMs > perPage * (input.pagesInFlight + 1);
}

/** What to do when listing a page failed for good (after retries). */
export type ListingFailure =
  /** The token is stale (expired, refused): list the region again from its first page. */
  | { kind: 'restart-region'; cursor: SweepCursor }
  /** Stop here and continue in a new invocation (no time left, but the token may still be good). */
  | { kind: 'continue'; cursor: SweepCursor }
  /** The region cannot be listed now (permissions, a bad region): skip it, and say so. */
  | { kind: 'skip-region'; next: SweepCursor | null };

/**
 * Pure. ECS documents no code for a NextToken it no longer takes (cloud-facts SW-2, SW-3), so any permanent
 * refusal of a listing that carried a token is taken as a stale token, and the region starts over (once per
 * invocation: a second refusal is the region's own fault). A listing stopped by the deadline goes on later from
 * the same place; any other failure skips the region.
 */
export function onListingFailure(
  cursor: SweepCursor,
  failure: { info: ErrorInfo; stoppedBy: 'permanent' | 'attempts' | 'deadline' },
  regionCounts: readonly number[],
  restartedThisInvocation: boolean,
): ListingFailure {
  if (failure.stoppedBy === 'deadline') return { kind: 'continue', cursor };
  if (cursor.nextToken !== null && failure.info.errorClass === 'permanent' && !restartedThisInvocation) {
    return { kind: 'restart-region', cursor: { ...cursor, nextToken: null } };
  }
  return { kind: 'skip-region', next: cursorAfterRegion(cursor, regionCounts) };
}
