import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../../../shared/errors/classify.js';
import {
  continuationAccounts,
  cursorAfterAccount,
  cursorAfterPage,
  cursorAfterRegion,
  MIN_PAGE_BUDGET_MS,
  onListingFailure,
  shouldStartPage,
  sweepContinuationSchema,
} from '../../../../shared/sweep/sweep-cursor.js';
import { sweepTrigger } from '../../../../shared/sweep/sweep-event.js';

const at = { sweepId: 's-1', accountIndex: 0, regionIndex: 0, nextToken: 'tok' };
const info = (errorClass: ErrorInfo['errorClass'], code = 'InvalidParameter.NextToken'): ErrorInfo => ({
  code,
  message: code,
  errorClass,
  uncertain: false,
});

const cursor = (accountIndex: number, regionIndex: number) => ({
  sweepId: 's-1',
  accountIndex,
  regionIndex,
  nextToken: null,
});

describe('cursorAfterPage', () => {
  it('goes to the next page, then the next region, then ends', () => {
    expect(cursorAfterPage(at, 'tok2', [2])).toEqual({ ...at, nextToken: 'tok2' });
    expect(cursorAfterPage(at, null, [2])).toEqual(cursor(0, 1));
    expect(cursorAfterPage({ ...at, regionIndex: 1 }, null, [2])).toBeNull();
  });
});

describe('cursorAfterRegion and cursorAfterAccount: accounts × regions', () => {
  it('walks each account’s regions, then the next account’s first, passing over accounts without regions', () => {
    const counts = [2, 0, 1];
    expect(cursorAfterRegion(cursor(0, 0), counts)).toEqual(cursor(0, 1));
    expect(cursorAfterRegion(cursor(0, 1), counts)).toEqual(cursor(2, 0));
    expect(cursorAfterRegion(cursor(2, 0), counts)).toBeNull();
    // An account passed over whole (its role could not be assumed) goes to the next one's first region.
    expect(cursorAfterAccount({ ...cursor(0, 1), nextToken: 'tok' }, counts)).toEqual(cursor(2, 0));
    expect(cursorAfterAccount(cursor(2, 0), counts)).toBeNull();
  });

  it('property: from the start, it visits every account × region exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(4), { maxLength: 8 }), (counts) => {
        const visited: string[] = [];
        let c: ReturnType<typeof cursorAfterRegion> =
          (counts[0] ?? 0) > 0 ? cursor(0, 0) : cursorAfterAccount(cursor(0, 0), counts);
        for (let n = 0; c !== null && n < 100; n++) {
          visited.push(`${c.accountIndex}/${c.regionIndex}`);
          c = cursorAfterRegion(c, counts);
        }
        const expected = counts.flatMap((k, a) => Array.from({ length: k }, (_, r) => `${a}/${r}`));
        expect(visited).toEqual(expected);
      }),
    );
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
    expect(onListingFailure(at, { info: info('permanent'), stoppedBy: 'permanent' }, [2], false)).toEqual({
      kind: 'restart-region',
      cursor: { ...at, nextToken: null },
    });
    expect(onListingFailure(at, { info: info('permanent'), stoppedBy: 'permanent' }, [2], true)).toEqual({
      kind: 'skip-region',
      next: cursor(0, 1),
    });
  });

  it('skips a region whose first page is refused, and continues later when the deadline stopped it', () => {
    const first = { ...at, nextToken: null };
    expect(
      onListingFailure(
        first,
        { info: info('permanent', 'Forbidden.RAM'), stoppedBy: 'permanent' },
        [1],
        false,
      ),
    ).toEqual({
      kind: 'skip-region',
      next: null,
    });
    expect(
      onListingFailure(at, { info: info('retryable', 'Throttling'), stoppedBy: 'deadline' }, [2], false),
    ).toEqual({
      kind: 'continue',
      cursor: at,
    });
    expect(
      onListingFailure(at, { info: info('retryable', 'InternalError'), stoppedBy: 'attempts' }, [2], false)
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
    const both = { ...continuation, accounts: [{ accountId: '2000000000000001', regions: ['cn-hangzhou'] }] };
    expect(sweepTrigger(JSON.stringify(both))?.kind).toBe('invalid');
    const badAccount = { ...both, regions: undefined, accounts: [{ accountId: 'abc', regions: [] }] };
    expect(sweepTrigger(JSON.stringify(badAccount))?.kind).toBe('invalid');
  });

  it('reads a continuation from before accounts as the own account’s, at account 0', () => {
    const parsed = sweepContinuationSchema.parse(continuation);
    expect(parsed.cursor.accountIndex).toBe(0);
    expect(continuationAccounts(parsed, '1234567890123456')).toEqual([
      { accountId: '1234567890123456', regions: ['cn-hangzhou', 'cn-shanghai'] },
    ]);
    const now = sweepContinuationSchema.parse({
      ...continuation,
      regions: undefined,
      cursor: { ...continuation.cursor, accountIndex: 1 },
      accounts: [
        { accountId: '2000000000000001', regions: ['cn-hangzhou'] },
        { accountId: '3000000000000002', regions: ['cn-shanghai'] },
      ],
      failedAccounts: [{ accountId: '2000000000000001', code: 'NoPermission' }],
    });
    expect(now.cursor.accountIndex).toBe(1);
    expect(continuationAccounts(now, '1234567890123456').map((a) => a.accountId)).toEqual([
      '2000000000000001',
      '3000000000000002',
    ]);
  });
});
