import { describe, expect, it } from 'vitest';
import { RecentWrites } from '../../../../shared/attach/recent-writes.js';
import { reconcile } from '../../../../shared/attach/reconcile.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { FakeEcs, fakeContext, idsOf, outcomes, policy, REGION, stateChangeRef } from './fake-ecs.js';

/**
 * Attach-first (cloud-facts ECS-34): an instance a creation event names a moment ago is attached without reading
 * its role, since an attach never replaces one. Whatever the attach finds, every outcome is the one reading first
 * would have given.
 */

const payments = { team: 'payments' };

/** A launch event's reference, dated now on the fake clock (so within the grace). */
const createdRef = (instanceId: string): InstanceRef => ({
  regionId: REGION,
  instanceId,
  reason: 'created',
  eventId: `evt-${instanceId}`,
  eventType: 'ecs:ActionTrail:ApiCall',
  launch: true,
});

/** An ECS that refuses a whole attach call when any instance in it has a role (one reading of ECS-14). */
class RefusesWholeCall extends FakeEcs {
  override async attachRole(...args: Parameters<FakeEcs['attachRole']>) {
    const [, role, ids] = args;
    if (ids.some((id) => (this.role(id) ?? null) !== null)) {
      this.calls.push({ action: 'AttachInstanceRamRole', ids, role });
      throw Object.assign(new Error('InvalidParameter.RamRoleAttached: one of the instances has a role'), {
        name: 'ServerError',
        code: 'InvalidParameter.RamRoleAttached',
        statusCode: 400,
      });
    }
    return super.attachRole(...args);
  }
}

describe('attach-first for launched instances (cloud-facts ECS-34)', () => {
  it('attaches 120 new instances without reading a role: 2 attach calls, no DescribeInstanceRamRole', async () => {
    const ids = idsOf('new', 120);
    const ecs = new FakeEcs(Object.fromEntries(ids.map((id) => [id, { tags: payments }])));
    const { summary } = await reconcile(fakeContext(ecs, policy()), ids.map(createdRef));
    expect(summary.counts).toEqual({ attached: 120 });
    expect(ecs.count('DescribeInstanceRamRole')).toBe(0);
    expect(ecs.calls.filter((c) => c.action === 'AttachInstanceRamRole').map((c) => c.ids.length)).toEqual([
      100, 20,
    ]);
    expect(ids.every((id) => ecs.role(id) === 'EcsPaymentsRole')).toBe(true);
  });

  it('reads first for a tag change, a start that is not a launch, an old launch event and a dry run', async () => {
    const ids = idsOf('old', 4);
    const ecs = new FakeEcs(Object.fromEntries(ids.map((id) => [id, { tags: payments }])));
    const [tagged, restarted, stale, fresh] = ids as [string, string, string, string];
    const ctx = fakeContext(ecs, policy());
    const { launch: _, ...startedRef } = createdRef(restarted);
    const staleRef = { ...createdRef(stale), eventTime: new Date(ctx.now() - 600_000).toISOString() };
    await reconcile(ctx, [stateChangeRef(tagged), startedRef, staleRef]);
    expect(ecs.calls.filter((c) => c.action === 'DescribeInstanceRamRole').map((c) => c.ids)).toEqual([
      [tagged, restarted, stale],
    ]);
    const dry = await reconcile(fakeContext(ecs, policy({ mode: 'dry-run' })), [createdRef(fresh)]);
    expect(dry.summary.counts).toEqual({ 'would-attach': 1 });
    expect(ecs.calls.filter((c) => c.action === 'DescribeInstanceRamRole').at(-1)?.ids).toEqual([fresh]);
  });

  it.each(['InvalidRamRole.AlreadyAttached', 'InvalidParameter', 'Forbidden.InstanceHasRole'])(
    'an instance launched with a role (refused as %s) gets what reading first gives it',
    async (alreadyAttachedCode) => {
      const [fresh, same, other] = idsOf('mix', 3) as [string, string, string];
      const instances = {
        [fresh]: { tags: payments },
        [same]: { tags: payments, role: 'EcsPaymentsRole' },
        [other]: { tags: payments, role: 'LegacyOpsRole' },
      };
      const refs = [fresh, same, other].map(createdRef);
      const keep = new FakeEcs(instances, { alreadyAttachedCode });
      const kept = await reconcile(fakeContext(keep, policy({ reportConflicts: true })), refs);
      expect(outcomes(kept.summary.results)).toEqual([
        [fresh, 'attached', 'EcsPaymentsRole', undefined],
        [same, 'already-correct', 'EcsPaymentsRole', undefined],
        [other, 'conflict', 'EcsPaymentsRole', 'LegacyOpsRole'],
      ]);
      // The only record is the conflict the policy asks to report: nothing failed.
      expect(kept.ledger.deadLetters.map((r) => [r.kind, r.instanceId])).toEqual([['conflict', other]]);
      expect(keep.role(other)).toBe('LegacyOpsRole');

      const replace = new FakeEcs(instances, { alreadyAttachedCode });
      const replaced = await reconcile(fakeContext(replace, policy({ onExistingRole: 'replace' })), refs);
      expect(outcomes(replaced.summary.results)[2]).toEqual([
        other,
        'replaced',
        'EcsPaymentsRole',
        'LegacyOpsRole',
      ]);
      expect(replace.role(other)).toBe('EcsPaymentsRole');
    },
  );

  it('a whole attach call refused because of one instance attaches the others on a second call', async () => {
    const ids = idsOf('new', 60);
    const withRole = ids[17] as string;
    const ecs = new RefusesWholeCall(
      Object.fromEntries(
        ids.map((id) => [id, { tags: payments, role: id === withRole ? 'LegacyOpsRole' : null }]),
      ),
    );
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy()), ids.map(createdRef));
    expect(summary.counts).toEqual({ attached: 59, conflict: 1 });
    expect(summary.results[17]).toMatchObject({ outcome: 'conflict', previousRole: 'LegacyOpsRole' });
    expect(ledger.deadLetters).toEqual([]);
    // The refused call, the re-read of its 60, then one attach of the 59 known to have none.
    expect(
      ecs.calls.filter((c) => c.action !== 'DescribeInstances').map((c) => [c.action, c.ids.length]),
    ).toEqual([
      ['AttachInstanceRamRole', 60],
      ['DescribeInstanceRamRole', 50],
      ['DescribeInstanceRamRole', 10],
      ['AttachInstanceRamRole', 59],
    ]);
  });

  it('a new instance whose attach keeps failing is attached twice, not more, then dead-lettered', async () => {
    const [id] = idsOf('new', 1) as [string];
    const ecs = new FakeEcs({ [id]: { tags: payments } });
    const refused = Object.assign(new Error('Undocumented.Refusal: no'), {
      name: 'ServerError',
      code: 'Undocumented.Refusal',
      statusCode: 400,
    });
    ecs.faults.push({ action: 'AttachInstanceRamRole', error: refused, times: 10 });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy()), [createdRef(id)]);
    expect(summary.counts).toEqual({ 'dead-lettered': 1 });
    expect(ledger.deadLetters).toMatchObject([{ instanceId: id, error: { code: 'Undocumented.Refusal' } }]);
    expect(ecs.count('AttachInstanceRamRole')).toBe(2);
    expect(ecs.role(id)).toBeNull();
  });

  it('reads first for an instance this FC instance has just seen holding its role', async () => {
    const ids = idsOf('new', 3);
    const ecs = new FakeEcs(Object.fromEntries(ids.map((id) => [id, { tags: payments }])));
    const recentWrites = new RecentWrites(300_000);
    const first = await reconcile({ ...fakeContext(ecs, policy()), recentWrites }, ids.map(createdRef));
    expect(first.summary.counts).toEqual({ attached: 3 });
    // The same launch's second event (its state change, say): one role read, no refused attach.
    const again = await reconcile({ ...fakeContext(ecs, policy()), recentWrites }, ids.map(createdRef));
    expect(again.summary.counts).toEqual({ 'already-correct': 3 });
    expect(ecs.calls.map((c) => c.action)).toEqual([
      'DescribeInstances',
      'AttachInstanceRamRole',
      'DescribeInstances',
      'DescribeInstanceRamRole',
    ]);
  });
});
