import * as z from 'zod/mini';
import { isRegionId } from '../ecs/ids.js';
import type { ErrorInfo } from '../errors/classify.js';

const regionId = z.string().check(z.refine(isRegionId, 'not a valid region id'));

/** Where a sweep stands: the region it is in (an index into its region list) and the page to list next there. */
export const sweepCursorSchema = z.object({
  sweepId: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (≤ 128)')),
  regionIndex: z.number().check(z.int(), z.gte(0)),
  /** `null`: the region's first page. */
  nextToken: z.nullable(z.string().check(z.maxLength(4096))),
});
export type SweepCursor = z.infer<typeof sweepCursorSchema>;

/**
 * The payload a sweep invokes itself with to go on (FC async `InvokeFunction`). It carries its region list, so a
 * deploy in between (a new policy, other regions) cannot move `regionIndex` under it, and the lease it holds, so
 * it goes on under the same lease (`shared/mns/queue-lease.ts`).
 */
export const sweepContinuationSchema = z.object({
  kind: z.literal('ram-role-attacher/sweep-continuation'),
  version: z.literal(1),
  cursor: sweepCursorSchema,
  regions: z.array(regionId).check(z.minLength(1), z.maxLength(100)),
  /** The lease message, handed over by the invocation before (`shared/mns/queue-lease.ts`). */
  lease: z.optional(
    z.object({
      receiptHandle: z.string().check(z.minLength(1), z.maxLength(1024)),
      enqueuedAt: z.nullable(z.number()),
    }),
  ),
  /** This invocation's place in the sweep, the first being 1 (a bound, and the log's progress). */
  invocation: z.number().check(z.int(), z.gte(1)),
  /** Outcome counts per region of the invocations before, so the last one logs the whole sweep's summary. */
  counts: z.optional(z.record(regionId, z.record(z.string(), z.number().check(z.int(), z.gte(0))))),
});
export type SweepContinuation = z.infer<typeof sweepContinuationSchema>;

/** Where the sweep goes after a page: the next page, the next region's first page, or `null` (swept everything). */
export function cursorAfterPage(
  cursor: SweepCursor,
  pageNextToken: string | null,
  regionCount: number,
): SweepCursor | null {
  if (pageNextToken !== null) return { ...cursor, nextToken: pageNextToken };
  return cursorAfterRegion(cursor, regionCount);
}

/** The next region's first page, or `null` after the last region. */
export function cursorAfterRegion(cursor: SweepCursor, regionCount: number): SweepCursor | null {
  const regionIndex = cursor.regionIndex + 1;
  return regionIndex < regionCount ? { sweepId: cursor.sweepId, regionIndex, nextToken: null } : null;
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
  regionCount: number,
  restartedThisInvocation: boolean,
): ListingFailure {
  if (failure.stoppedBy === 'deadline') return { kind: 'continue', cursor };
  if (cursor.nextToken !== null && failure.info.errorClass === 'permanent' && !restartedThisInvocation) {
    return { kind: 'restart-region', cursor: { ...cursor, nextToken: null } };
  }
  return { kind: 'skip-region', next: cursorAfterRegion(cursor, regionCount) };
}
