import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../../../shared/errors/classify.js';
import {
  cursorAfterPage,
  MIN_PAGE_BUDGET_MS,
  onListingFailure,
  shouldStartPage,
  sweepContinuationSchema,
} from '../../../../shared/sweep/sweep-cursor.js';
import { sweepTrigger } from '../../../../shared/sweep/sweep-event.js';

const at = { sweepId: 's-1', regionIndex: 0, nextToken: 'tok' };
const info = (errorClass: ErrorInfo['errorClass'], code = 'InvalidParameter.NextToken'): ErrorInfo => ({
  code,
  message: code,
  errorClass,
  uncertain: false,
});

describe('cursorAfterPage', () => {
  it('goes to the next page, then the next region, then ends', () => {
    expect(cursorAfterPage(at, 'tok2', 2)).toEqual({ ...at, nextToken: 'tok2' });
    expect(cursorAfterPage(at, null, 2)).toEqual({ sweepId: 's-1', regionIndex: 1, nextToken: null });
    expect(cursorAfterPage({ ...at, regionIndex: 1 }, null, 2)).toBeNull();
  });
});

describe('shouldStartPage', () => {
  it('needs room for the pages in flight and one more, at twice the slowest page (a floor before any)', () => {
    expect(shouldStartPage({ remainingMs: MIN_PAGE_BUDGET_MS + 1, slowestPageMs: 0, pagesInFlight: 0 })).toBe(
      true,
    );
    expect(shouldStartPage({ remainingMs: MIN_PAGE_BUDGET_MS, slowestPageMs: 0, pagesInFlight: 0 })).toBe(
      false,
    );
    expect(shouldStartPage({ remainingMs: 20_000, slowestPageMs: 4_000, pagesInFlight: 2 })).toBe(false);
    expect(shouldStartPage({ remainingMs: 24_001, slowestPageMs: 4_000, pagesInFlight: 2 })).toBe(true);
  });

  it('property: more time left never turns a start into a stop', () => {
    fc.assert(
      fc.property(fc.nat(600_000), fc.nat(600_000), fc.nat(60_000), fc.nat(8), (a, b, slowest, inFlight) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const start = (remainingMs: number) =>
          shouldStartPage({ remainingMs, slowestPageMs: slowest, pagesInFlight: inFlight });
        expect(!start(lo) || start(hi)).toBe(true);
      }),
    );
  });
});

describe('onListingFailure', () => {
  it('restarts the region once when a token is refused, then skips it', () => {
    expect(onListingFailure(at, { info: info('permanent'), stoppedBy: 'permanent' }, 2, false)).toEqual({
      kind: 'restart-region',
      cursor: { ...at, nextToken: null },
    });
    expect(onListingFailure(at, { info: info('permanent'), stoppedBy: 'permanent' }, 2, true)).toEqual({
      kind: 'skip-region',
      next: { sweepId: 's-1', regionIndex: 1, nextToken: null },
    });
  });

  it('skips a region whose first page is refused, and continues later when the deadline stopped it', () => {
    const first = { ...at, nextToken: null };
    expect(
      onListingFailure(first, { info: info('permanent', 'Forbidden.RAM'), stoppedBy: 'permanent' }, 1, false),
    ).toEqual({
      kind: 'skip-region',
      next: null,
    });
    expect(
      onListingFailure(at, { info: info('retryable', 'Throttling'), stoppedBy: 'deadline' }, 2, false),
    ).toEqual({
      kind: 'continue',
      cursor: at,
    });
    expect(
      onListingFailure(at, { info: info('retryable', 'InternalError'), stoppedBy: 'attempts' }, 2, false)
        .kind,
    ).toBe('skip-region');
  });
});

describe('sweepTrigger', () => {
  const continuation = {
    kind: 'ram-role-attacher/sweep-continuation',
    version: 1,
    cursor: { sweepId: 'sweep-1', regionIndex: 1, nextToken: 'abc' },
    regions: ['cn-hangzhou', 'cn-shanghai'],
    invocation: 2,
  };

  it('reads FC’s timer event, a sweep request and a continuation; anything else is the event path', () => {
    expect(
      sweepTrigger(
        JSON.stringify({ triggerTime: '2026-11-29T04:00:00Z', triggerName: 'sweep', payload: '{}' }),
      ),
    ).toEqual({
      kind: 'start',
      reason: 'timer',
      triggerName: 'sweep',
      triggerTime: '2026-11-29T04:00:00Z',
    });
    expect(sweepTrigger('{"ram-role-attacher":"sweep"}')).toEqual({ kind: 'start', reason: 'request' });
    expect(sweepTrigger(Buffer.from(JSON.stringify(continuation)))).toEqual({
      kind: 'continue',
      continuation: sweepContinuationSchema.parse(continuation),
    });
    expect(sweepTrigger('{"id":"e","type":"ecs:Instance:StateChange"}')).toBeUndefined();
    expect(sweepTrigger('not json triggerTime')).toBeUndefined();
  });

  it('never acts on a malformed continuation', () => {
    const bad = sweepTrigger(JSON.stringify({ ...continuation, regions: ['Not A Region'] }));
    expect(bad?.kind).toBe('invalid');
  });
});
