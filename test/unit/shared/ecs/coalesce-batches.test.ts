import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchFor,
  sharedTimeoutMs,
  splitInstances,
  splitRolePage,
  splitWrite,
  startAt,
  unionIds,
  unionSize,
} from '../../../../shared/ecs/coalesce-batches.js';
import type { InstanceState, WriteResult } from '../../../../shared/ecs/ecs-gateway.js';

const id = fc.integer({ min: 0, max: 300 }).map((n) => `i-bp1${String(n).padStart(17, '0')}`);
const idList = (max: number) => fc.uniqueArray(id, { minLength: 1, maxLength: max });
const callers = (max: number) => fc.array(idList(max), { minLength: 1, maxLength: 30 });

/** Places each caller as the coalescer does: into the first batch it fits, else a new one. */
function place(lists: readonly string[][], max: number): { batches: Set<string>[]; of: number[] } {
  const batches: Set<string>[] = [];
  const of: number[] = [];
  for (const ids of lists) {
    let index = batchFor(batches, ids, max);
    if (index === -1) index = batches.push(new Set()) - 1;
    for (const i of ids) batches[index]?.add(i);
    of.push(index);
  }
  return { batches, of };
}

const state = (instanceId: string): InstanceState => ({
  instanceId,
  regionId: 'cn-hangzhou',
  status: 'Running',
  networkType: 'vpc',
  tags: { n: instanceId },
});

describe('merging callers into batches', () => {
  it('no batch holds more than the limit, each caller lies wholly in its batch, and no id is sent twice in one', () => {
    fc.assert(
      fc.property(callers(50), fc.constantFrom(50, 100), (lists, max) => {
        const { batches, of } = place(lists, max);
        for (const batch of batches) expect(batch.size).toBeLessThanOrEqual(max);
        lists.forEach((ids, k) => {
          const batch = batches[of[k] ?? -1];
          for (const i of ids) expect(batch?.has(i)).toBe(true);
        });
        // The ids a batch's call sends are its callers' union, each once.
        batches.forEach((batch, b) => {
          const union = unionIds(lists.filter((_, k) => of[k] === b));
          expect(new Set(union)).toEqual(batch);
          expect(union.length).toBe(batch.size);
        });
      }),
    );
  });

  it('a new batch opens only when the caller fits in none of the open ones', () => {
    fc.assert(
      fc.property(callers(100), (lists) => {
        const batches: Set<string>[] = [];
        for (const ids of lists) {
          const index = batchFor(batches, ids, 100);
          if (index === -1) {
            for (const b of batches) expect(unionSize(b, ids)).toBeGreaterThan(100);
            batches.push(new Set(ids));
          } else for (const i of ids) batches[index]?.add(i);
        }
      }),
    );
  });

  it('ids shared by callers count once against the limit', () => {
    const fifty = Array.from({ length: 50 }, (_, k) => `i-bp1${String(k).padStart(17, '0')}`);
    expect(batchFor([new Set(fifty)], fifty, 50)).toBe(0);
    expect(batchFor([new Set(fifty)], [...fifty.slice(1), 'i-bp1other000000000001'], 50)).toBe(-1);
  });
});

describe('when a shared call starts, and for how long', () => {
  it('at the end of the window, earlier if a member would otherwise spend over half its time waiting', () => {
    expect(startAt(1000, 150, [{ arrivedAt: 1000, timeoutMs: 60_000 }])).toBe(1150);
    expect(
      startAt(1000, 150, [
        { arrivedAt: 1000, timeoutMs: 60_000 },
        { arrivedAt: 1040, timeoutMs: 100 },
      ]),
    ).toBe(1090);
    expect(startAt(1000, 0, [{ arrivedAt: 1000, timeoutMs: 60_000 }])).toBe(1000);
  });

  it('never before the batch opened, never after the window, never past any member’s half-time', () => {
    const member = fc.record({ arrivedAt: fc.integer({ min: 0, max: 500 }), timeoutMs: fc.nat(100_000) });
    fc.assert(
      fc.property(fc.nat(1000), fc.array(member, { maxLength: 10 }), (windowMs, ms) => {
        const members = ms.map((m) => ({ ...m, arrivedAt: 1000 + m.arrivedAt }));
        const at = startAt(1000, windowMs, members);
        expect(at).toBeGreaterThanOrEqual(1000);
        expect(at).toBeLessThanOrEqual(1000 + windowMs);
        for (const m of members)
          expect(at).toBeLessThanOrEqual(Math.max(1000, m.arrivedAt + m.timeoutMs / 2));
      }),
    );
  });

  it('the shared call may take as long as the member with the most time left', () => {
    expect(
      sharedTimeoutMs(2000, [
        { arrivedAt: 1000, timeoutMs: 5000 },
        { arrivedAt: 1900, timeoutMs: 3000 },
      ]),
    ).toBe(4000);
    expect(sharedTimeoutMs(2000, [{ arrivedAt: 1000, timeoutMs: 500 }])).toBe(0);
  });
});

describe('splitting a shared answer back', () => {
  it('DescribeInstances: each caller gets exactly the listed instances it asked about', () => {
    fc.assert(
      fc.property(callers(100), fc.func(fc.boolean()), (lists, listed) => {
        const union = unionIds(lists);
        const found = union.filter((i) => listed(i)).map(state);
        for (const ids of lists) {
          const mine = splitInstances(found, ids);
          expect(mine.map((s) => s.instanceId).sort()).toEqual(ids.filter((i) => listed(i)).sort());
        }
      }),
    );
  });

  it('writes: each caller gets one result per id it sent, in its order, the codes of its own instances', () => {
    fc.assert(
      fc.property(
        callers(100),
        fc.func(fc.constantFrom('200', 'InvalidRamRole.NotEcsRole', 'Throttling')),
        (lists, code) => {
          const union = unionIds(lists);
          const shared: WriteResult = {
            requestId: 'req-1',
            results: union.map((instanceId) => ({
              instanceId,
              ok: code(instanceId) === '200',
              code: code(instanceId),
              message: '',
            })),
          };
          for (const ids of lists) {
            const mine = splitWrite(shared, ids);
            expect(mine.requestId).toBe('req-1');
            expect(mine.results.map((r) => [r.instanceId, r.code])).toEqual(ids.map((i) => [i, code(i)]));
          }
        },
      ),
    );
  });

  it('writes: an id the shared answer does not mention is NoResult for its caller', () => {
    const mine = splitWrite({ requestId: 'r', results: [] }, ['i-bp1aaaaaaaaaaaaaaaa1']);
    expect(mine.results).toEqual([
      { instanceId: 'i-bp1aaaaaaaaaaaaaaaa1', ok: false, code: 'NoResult', message: expect.any(String) },
    ]);
  });

  it('roles: a caller’s rows only, as a complete answer; undefined when a full page left its ids unanswered', () => {
    const ids = Array.from({ length: 50 }, (_, k) => `i-bp1${String(k).padStart(17, '0')}`);
    const rows = ids.map((instanceId, k) => ({ instanceId, roleName: k % 2 ? 'EcsAppRole' : null }));
    const page = { rows, rowCount: 50, totalCount: 50 };
    expect(splitRolePage(page, ids.slice(0, 3))).toEqual({
      rows: rows.slice(0, 3),
      rowCount: 3,
      totalCount: 3,
    });
    // ECS listed only instances with a role (ECS-7's other reading): a short page is complete.
    const withRole = rows.filter((r) => r.roleName !== null);
    expect(splitRolePage({ rows: withRole, rowCount: 25 }, ids.slice(0, 2))?.rows).toEqual([rows[1]]);
    // A full page whose TotalCount says more follow, without one of ours: ask again alone.
    const other = 'i-bp1zzzzzzzzzzzzzzzz9';
    expect(splitRolePage({ rows, rowCount: 50, totalCount: 51 }, [ids[0] ?? '', other])).toBeUndefined();
    expect(splitRolePage({ rows, rowCount: 50 }, [other])).toBeUndefined();
  });
});
