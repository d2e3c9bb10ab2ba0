import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../../shared/attach/reconcile.js';
import { EcsCoalescer } from '../../../../shared/ecs/ecs-coalescer.js';
import type { WriteResult } from '../../../../shared/ecs/ecs-gateway.js';
import { ManualClock } from '../ecs/manual-clock.js';
import { FakeEcs, fakeContext, idsOf, policy, stateChangeRef } from './fake-ecs.js';

const payments = { team: 'payments' };
const app = { team: 'web', 'ram-role': 'EcsAppRole' };
const testPolicy = policy({
  rules: [
    {
      name: 'payments',
      when: { tags: { team: { kind: 'equals', value: 'payments' } } },
      effect: { kind: 'role', role: 'EcsPaymentsRole' },
    },
    {
      name: 'role-from-tag',
      when: { tags: { 'ram-role': { kind: 'present', present: true } } },
      effect: { kind: 'role-from-tag', tagKey: 'ram-role' },
    },
  ],
});

/** ECS refuses one instance's attach with a documented permanent code. */
class RefusingEcs extends FakeEcs {
  constructor(
    instances: ConstructorParameters<typeof FakeEcs>[0],
    readonly refused: string,
  ) {
    super(instances);
  }

  override async attachRole(...args: Parameters<FakeEcs['attachRole']>): Promise<WriteResult> {
    const [regionId, role, ids, options] = args;
    const rest = ids.filter((id) => id !== this.refused);
    const answer =
      rest.length === 0
        ? { requestId: 'r', results: [] }
        : await super.attachRole(regionId, role, rest, options);
    if (rest.length === 0) this.calls.push({ action: 'AttachInstanceRamRole', ids, role });
    else {
      const last = this.calls.at(-1);
      if (last !== undefined) last.ids = ids;
    }
    return {
      requestId: answer.requestId,
      results: ids.map(
        (instanceId) =>
          answer.results.find((r) => r.instanceId === instanceId) ?? {
            instanceId,
            ok: false,
            code: 'InvalidRamRole.NotEcsRole',
            message: 'the role does not trust ECS',
          },
      ),
    };
  }
}

/** Runs `work` while moving the clock a window at a time until it settles (bounded). */
async function drive<T>(clock: ManualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const result = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await clock.advance(150);
  return result;
}

describe('reconcile through one coalescer: concurrent invocations on one FC instance', () => {
  it('eight invocations share their reads and writes, and each reports only its own instances', async () => {
    const groups = Array.from({ length: 8 }, (_, k) => idsOf(`g${k}`, 10));
    const instances = Object.fromEntries(
      groups.flatMap((ids, k) => ids.map((id) => [id, { tags: k % 2 === 0 ? payments : app }])),
    );
    const refused = groups[3]?.[4] ?? '';
    const ecs = new RefusingEcs(instances, refused);
    const clock = new ManualClock();
    const coalescer = new EcsCoalescer({ windowMs: 150, clock });
    const views = groups.map(() => coalescer.view(ecs));
    const runs = groups.map((ids, k) => {
      const ctx = fakeContext(views[k] ?? ecs, testPolicy, 1);
      return reconcile({ ...ctx, fcRequestId: `fc-req-${k}` }, ids.map(stateChangeRef));
    });
    const results = await drive(clock, Promise.all(runs));

    // 80 instances: one DescribeInstances, two role reads (50 + 30), one attach per role.
    expect(ecs.count('DescribeInstances')).toBe(1);
    expect(ecs.count('DescribeInstanceRamRole')).toBe(2);
    expect(
      ecs.calls.filter((c) => c.action === 'AttachInstanceRamRole').map((c) => [c.role, c.ids.length]),
    ).toEqual(
      expect.arrayContaining([
        ['EcsPaymentsRole', 40],
        ['EcsAppRole', 40],
      ]),
    );
    results.forEach(({ summary, ledger }, k) => {
      expect(summary.results.map((r) => r.instanceId)).toEqual(groups[k]);
      if (k === 3) {
        expect(summary.counts).toEqual({ attached: 9, 'dead-lettered': 1 });
        expect(ledger.deadLetters.map((d) => [d.instanceId, d.error?.code, d.source.fcRequestId])).toEqual([
          [refused, 'InvalidRamRole.NotEcsRole', 'fc-req-3'],
        ]);
      } else {
        expect(summary.counts).toEqual({ attached: 10 });
        expect(ledger.deadLetters).toEqual([]);
      }
    });
  });

  it('two invocations about the same instance: it is read and attached once, and both report it', async () => {
    const [id] = idsOf('dup', 1) as [string];
    const ecs = new FakeEcs({ [id]: { tags: payments } });
    const clock = new ManualClock();
    const coalescer = new EcsCoalescer({ windowMs: 150, clock });
    const runs = [0, 1].map((k) =>
      reconcile({ ...fakeContext(coalescer.view(ecs), testPolicy, 1), fcRequestId: `r${k}` }, [
        stateChangeRef(id),
      ]),
    );
    const results = await drive(clock, Promise.all(runs));
    expect(ecs.calls.map((c) => [c.action, c.ids])).toEqual([
      ['DescribeInstances', [id]],
      ['DescribeInstanceRamRole', [id]],
      ['AttachInstanceRamRole', [id]],
    ]);
    expect(results.map((r) => r.summary.counts)).toEqual([{ attached: 1 }, { attached: 1 }]);
  });
});
