import { describe, expect, it } from 'vitest';
import { createdAt, isRecentlyCreated } from '../../../../shared/attach/read-state.js';
import { reconcile } from '../../../../shared/attach/reconcile.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { FakeEcs, fakeContext, idsOf, policy, REGION } from './fake-ecs.js';

const [missing, late] = idsOf('new', 2) as [string, string];
const DAY_MS = 86_400_000;
const GRACE_MS = 5_000;

const created = (instanceId: string, eventTime?: number): InstanceRef => ({
  regionId: REGION,
  instanceId,
  reason: 'created',
  eventId: `evt-${instanceId}`,
  eventType: 'ecs:ActionTrail:ApiCall',
  ...(eventTime === undefined ? {} : { eventTime: new Date(eventTime).toISOString() }),
});

/** A fake clock run with many attempts allowed: only the grace may end the wait for a missing instance. */
function patientContext(ecs: FakeEcs) {
  return { ...fakeContext(ecs, policy(), 50), newInstanceGraceMs: GRACE_MS };
}

/** A fake ECS that lists `id` only from its `visibleFrom`-th DescribeInstances on. */
class SlowToAppear extends FakeEcs {
  constructor(
    readonly hidden: string,
    readonly visibleFrom: number,
  ) {
    super({ [hidden]: { tags: { team: 'payments' } } });
  }
  override async describeInstances(...args: Parameters<FakeEcs['describeInstances']>) {
    const found = await super.describeInstances(...args);
    return this.count('DescribeInstances') < this.visibleFrom
      ? found.filter((i) => i.instanceId !== this.hidden)
      : found;
  }
}

describe('a creation event’s time, clamped to the invocation’s clock (issue 9, item 4)', () => {
  it('a date in the future counts as now, never later', () => {
    const ctx = patientContext(new FakeEcs({}));
    const now = ctx.now();
    expect(createdAt(ctx, created(missing, now + DAY_MS))).toBe(now);
    expect(createdAt(ctx, created(missing, now - 1_000))).toBe(now - 1_000);
    expect(createdAt(ctx, created(missing))).toBe(now);
    expect(createdAt(ctx, { ...created(missing), reason: 'tag-change' })).toBeUndefined();
    expect(isRecentlyCreated(ctx, created(missing, now - GRACE_MS))).toBe(false);
    expect(isRecentlyCreated(ctx, created(missing, now + DAY_MS))).toBe(true);
  });

  it.each([
    ['a day in the future', DAY_MS],
    ['now', 0],
    ['a second ago', -1_000],
  ])(
    'a missing instance whose creation event is dated %s is waited for no longer than its grace',
    async (_label, offset) => {
      const ecs = new FakeEcs({});
      const ctx = patientContext(ecs);
      const started = ctx.now();
      const { summary, ledger } = await reconcile(ctx, [created(missing, started + offset)]);
      // Past its grace, an instance ECS does not list is what ECS says: not there (and needs nobody).
      expect(summary.results).toEqual([
        { instanceId: missing, regionId: REGION, outcome: 'skipped', reason: 'not-found' },
      ]);
      expect(ledger.deadLetters).toEqual([]);
      // The grace from the (clamped) creation, plus at most one backoff (cap 1 s) that began inside it.
      expect(ctx.now() - started).toBeLessThanOrEqual(GRACE_MS + Math.min(0, offset) + 1_000);
      expect(ecs.count('DescribeInstances')).toBeLessThanOrEqual(15);
    },
  );

  it('an instance that appears within its grace is attached, however far ahead its event is dated', async () => {
    const ecs = new SlowToAppear(late, 4);
    const ctx = patientContext(ecs);
    const { summary } = await reconcile(ctx, [created(late, ctx.now() + DAY_MS)]);
    expect(summary.counts).toEqual({ attached: 1 });
    expect(ecs.count('DescribeInstances')).toBe(4);
  });

  it('an event older than the grace gets no wait at all', async () => {
    const ecs = new FakeEcs({});
    const ctx = patientContext(ecs);
    const { summary } = await reconcile(ctx, [created(missing, ctx.now() - GRACE_MS - 1)]);
    expect(summary.results[0]).toMatchObject({ outcome: 'skipped', reason: 'not-found' });
    expect(ecs.count('DescribeInstances')).toBe(1);
  });
});
