import type { InstanceOutcome, Outcome } from '../attach/outcomes.js';
import type { RunContext } from '../attach/run-context.js';
import type { DeadLetterRecord } from '../dead-letter/dead-letter-record.js';
import type { Logger } from '../logging/logger.js';
import { cursorAfterRegion, onListingFailure, type SweepCursor } from './sweep-cursor.js';
import { type WalkedPage, walkRegion } from './walk-region.js';

/** Outcome counts per region: the sweep's summary (also carried from one invocation of a sweep to the next). */
export type RegionCounts = Record<string, Partial<Record<Outcome, number>>>;

export interface SweepRunOptions {
  ctx: RunContext;
  regions: readonly string[];
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
  /** Counts of this run only, per region and outcome. */
  counts: RegionCounts;
  pages: number;
  /** Regions that could not be listed, with the code. */
  skipped: { regionId: string; code: string }[];
  /** Regions started over because their NextToken was refused. */
  restarted: string[];
  /** Where to go on (in a new invocation), or `null`: the sweep is complete. */
  next: SweepCursor | null;
}

/**
 * Sweeps the regions from `cursor` on, region by region, page by page, until all are swept or the deadline is
 * near (then `next` says where to go on). Each page goes through the event path's engine (`walkRegion`) and its
 * failures are dead-lettered before the next page counts as done.
 */
export async function runSweep(options: SweepRunOptions): Promise<SweepRun> {
  const { ctx, regions, log } = options;
  const run: SweepRun = { counts: {}, pages: 0, skipped: [], restarted: [], next: null };
  let cursor: SweepCursor | null = options.cursor;
  let restarted = false;
  while (cursor !== null) {
    const regionId = regions[cursor.regionIndex];
    if (regionId === undefined) break;
    const at: SweepCursor = cursor;
    const outcome = await walkRegion({
      ctx,
      regionId,
      startToken: at.nextToken,
      sweepId: at.sweepId,
      writes: options.writes,
      ...(options.pagesInFlight === undefined ? {} : { pagesInFlight: options.pagesInFlight }),
      onPage: async (page) => {
        const { results } = page.result.summary;
        const counts = run.counts[regionId] ?? {};
        run.counts[regionId] = counts;
        for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
        options.onResults?.(results, page);
        if (page.result.ledger.deadLetters.length > 0)
          await options.deadLetter(page.result.ledger.deadLetters);
      },
    });
    run.pages += outcome.pages;
    switch (outcome.kind) {
      case 'done':
        cursor = cursorAfterRegion(at, regions.length);
        restarted = false;
        break;
      case 'stopped':
        run.next = { ...at, nextToken: outcome.nextToken };
        return run;
      case 'listing-failed': {
        const decision = onListingFailure(
          { ...at, nextToken: outcome.token },
          outcome,
          regions.length,
          restarted,
        );
        if (decision.kind === 'continue') {
          run.next = decision.cursor;
          return run;
        }
        if (decision.kind === 'restart-region') {
          log.warn(
            { regionId, code: outcome.info.code },
            `${regionId}: ECS refused the sweep's NextToken (expired or stale): listing the region again from the start`,
          );
          run.restarted.push(regionId);
          cursor = decision.cursor;
          restarted = true;
          break;
        }
        log.error(
          { regionId, code: outcome.info.code, stoppedBy: outcome.stoppedBy },
          `${regionId}: could not list the region's instances (${outcome.info.message}); the sweep skips it`,
        );
        run.skipped.push({ regionId, code: outcome.info.code });
        cursor = decision.next;
        restarted = false;
        break;
      }
    }
  }
  return run;
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
