import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../shared/attach/reconcile.js';
import { FakeEcs, fakeContext, idsOf, outcomes, policy, stateChangeRef } from './fake-ecs.js';

const payments = { team: 'payments' };

/** A fake ECS whose every attach fails each instance with `code` (and changes nothing). */
const failingAttach = (code: string) =>
  class extends FakeEcs {
    override async attachRole(...args: Parameters<FakeEcs['attachRole']>) {
      const [, , ids] = args;
      this.calls.push({ action: 'AttachInstanceRamRole', ids, role: args[1] });
      return {
        requestId: 'req-failing',
        results: ids.map((instanceId) => ({ instanceId, ok: false, code, message: `failed: ${code}` })),
      };
    }
  };

describe('reading roles: at most 50 ids a call, every row counted (cloud-facts ECS-4, ECS-7)', () => {
  it('reads 120 instances’ roles in 3 calls of ≤ 50 ids', async () => {
    const ids = idsOf('pay', 120);
    const ecs = new FakeEcs(Object.fromEntries(ids.map((id) => [id, { tags: payments }])));
    const { summary } = await reconcile(fakeContext(ecs, policy()), ids.map(stateChangeRef));
    expect(summary.counts).toEqual({ attached: 120 });
    const reads = ecs.calls.filter((c) => c.action === 'DescribeInstanceRamRole');
    expect(reads.map((c) => c.ids.length)).toEqual([50, 50, 20]);
  });

  it.each(['every-instance', 'with-role-only'] as const)(
    'rows %s: an instance with another role among many without is a conflict, not an attach',
    async (roleRows) => {
      const ids = idsOf('pay', 60);
      const ecs = new FakeEcs(
        Object.fromEntries(
          ids.map((id, i) => [id, { tags: payments, role: i === 54 ? 'LegacyOpsRole' : null }]),
        ),
        { roleRows },
      );
      const { summary } = await reconcile(fakeContext(ecs, policy()), ids.map(stateChangeRef));
      expect(summary.counts).toEqual({ attached: 59, conflict: 1 });
      expect(summary.results[54]).toMatchObject({ outcome: 'conflict', previousRole: 'LegacyOpsRole' });
      expect(ecs.count('AttachInstanceRamRole')).toBe(1);
    },
  );

  it('stops paging however wrong TotalCount is: two pages at most for 50 ids (ECS-8)', async () => {
    const ids = idsOf('pay', 50);
    // Full pages that never name the instances asked about, and a TotalCount that promises more forever.
    class Confused extends FakeEcs {
      override async describeInstanceRoles(...args: Parameters<FakeEcs['describeInstanceRoles']>) {
        this.calls.push({ action: 'DescribeInstanceRamRole', ids: args[1] });
        const rows = idsOf('zzz', 50).map((instanceId) => ({ instanceId, roleName: 'EcsAppRole' }));
        return { rows, rowCount: rows.length, totalCount: 10_000 };
      }
    }
    const ecs = new Confused(Object.fromEntries(ids.map((id) => [id, { tags: payments }])));
    const { summary } = await reconcile(fakeContext(ecs, policy()), ids.map(stateChangeRef));
    expect(summary.counts).toEqual({ attached: 50 });
    expect(ecs.count('DescribeInstanceRamRole')).toBe(2);
  });

  it('never asks about a classic-network instance (ECS may refuse the whole call, ECS-9)', async () => {
    const [vpc, classic] = idsOf('mix', 2) as [string, string];
    const ecs = new FakeEcs({
      [vpc]: { tags: payments },
      [classic]: { tags: payments, networkType: 'classic' },
    });
    const { summary } = await reconcile(fakeContext(ecs, policy()), [vpc, classic].map(stateChangeRef));
    expect(outcomes(summary.results)).toEqual([
      [vpc, 'attached', 'EcsPaymentsRole', undefined],
      [classic, 'skipped', undefined, undefined],
    ]);
  });
});

/**
 * Another writer gives the instance a role between our read and our attach; ECS refuses the attach with a code
 * nobody documents (cloud-facts ECS-16). Whatever that code is, the function decides from the role it re-reads.
 */
describe('an attach refused because the instance already has a role, under any code', () => {
  const codes = [
    'InvalidRamRole.AlreadyAttached',
    'Forbidden.InstanceHasRole',
    'InvalidParameter',
    'OperationConflict', // retryable by name: retried, then re-read
    'IncorrectInstanceStatus.RoleAttached', // retryable by prefix
    '403',
  ];

  async function race(code: string, concurrentRole: string, overrides = {}) {
    const [id, other] = idsOf('race', 2) as [string, string];
    const ecs = new FakeEcs(
      { [id]: { tags: payments }, [other]: { tags: payments } },
      { alreadyAttachedCode: code },
    );
    ecs.concurrently.set(id, concurrentRole);
    const run = await reconcile(fakeContext(ecs, policy(overrides)), [id, other].map(stateChangeRef));
    return { ecs, id, other, ...run };
  }

  it.each(codes)('%s, another role, onExistingRole keep: conflict, nothing dead-lettered', async (code) => {
    const { summary, ledger, ecs, id, other } = await race(code, 'LegacyOpsRole');
    expect(outcomes(summary.results)).toEqual([
      [id, 'conflict', 'EcsPaymentsRole', 'LegacyOpsRole'],
      [other, 'attached', 'EcsPaymentsRole', undefined],
    ]);
    expect(ledger.deadLetters).toEqual([]);
    expect(ecs.role(id)).toBe('LegacyOpsRole');
  });

  it.each(codes)('%s, another role, reportConflicts: a conflict record', async (code) => {
    const { ledger, id } = await race(code, 'LegacyOpsRole', { reportConflicts: true });
    expect(ledger.deadLetters).toEqual([
      expect.objectContaining({ kind: 'conflict', instanceId: id, currentRole: 'LegacyOpsRole' }),
    ]);
  });

  it.each(codes)('%s, another role, onExistingRole replace: replaced', async (code) => {
    const { summary, ecs, id } = await race(code, 'LegacyOpsRole', { onExistingRole: 'replace' });
    expect(summary.results[0]).toMatchObject({
      instanceId: id,
      outcome: 'replaced',
      role: 'EcsPaymentsRole',
      previousRole: 'LegacyOpsRole',
    });
    expect(ecs.role(id)).toBe('EcsPaymentsRole');
  });

  it.each(codes)('%s, the desired role: already-correct', async (code) => {
    const { summary, ledger, id } = await race(code, 'EcsPaymentsRole');
    expect(summary.results[0]).toMatchObject({ instanceId: id, outcome: 'already-correct' });
    expect(ledger.deadLetters).toEqual([]);
  });

  it('replace-managed and a role the policy does not own: conflict', async () => {
    const { summary } = await race('Whatever', 'LegacyOpsRole', { onExistingRole: 'replace-managed' });
    expect(summary.results[0]).toMatchObject({ outcome: 'conflict', previousRole: 'LegacyOpsRole' });
  });

  it('a role that keeps changing under a replace is planned again only once, then dead-lettered', async () => {
    const [id] = idsOf('race', 1) as [string];
    // After our detach of LegacyOpsRole, yet another role appears before the attach.
    class Restless extends FakeEcs {
      override async detachRole(...args: Parameters<FakeEcs['detachRole']>) {
        const result = await super.detachRole(...args);
        this.concurrently.set(id, 'EcsAppRole');
        return result;
      }
    }
    const ecs = new Restless({ [id]: { tags: payments } }, { alreadyAttachedCode: 'Whatever' });
    ecs.concurrently.set(id, 'LegacyOpsRole');
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy({ onExistingRole: 'replace' })), [
      stateChangeRef(id),
    ]);
    expect(summary.results[0]).toMatchObject({ outcome: 'dead-lettered', reason: 'replace-failed' });
    expect(ledger.deadLetters[0]).toMatchObject({ currentRole: 'EcsAppRole', previousRole: 'LegacyOpsRole' });
  });

  it('an undocumented failure on an instance that has no role stands, with its code', async () => {
    const [id] = idsOf('fail', 1) as [string];
    const ecs = new (failingAttach('Mystery.Failure'))({ [id]: { tags: payments } });
    const { summary, ledger } = await reconcile(fakeContext(ecs, policy()), [stateChangeRef(id)]);
    expect(summary.results[0]).toMatchObject({
      outcome: 'dead-lettered',
      reason: 'attach-failed',
      error: { code: 'Mystery.Failure' },
    });
    expect(ledger.deadLetters[0]).toMatchObject({ currentRole: null, error: { code: 'Mystery.Failure' } });
  });

  it('a documented permanent failure is not re-read (nothing could change it)', async () => {
    const [id] = idsOf('perm', 1) as [string];
    const ecs = new (failingAttach('InvalidUser.PassRoleForbidden'))({ [id]: { tags: payments } });
    const { summary } = await reconcile(fakeContext(ecs, policy()), [stateChangeRef(id)]);
    expect(summary.results[0]).toMatchObject({ error: { code: 'InvalidUser.PassRoleForbidden' } });
    expect(ecs.count('DescribeInstanceRamRole')).toBe(1); // the first read only
  });
});
