import { afterEach, describe, expect, it } from 'vitest';
import type { EcsBehaviour } from '../../../local/ecs-emulator/index.js';
import type { Summary } from '../../../shared/attach/outcomes.js';
import { DESIGN_POLICY, type Harness, ids, instance, startHarness, stateChange } from './harness.js';

/**
 * The function against each reading of what ECS leaves undocumented (docs/cloud-facts.md), through the real SDK
 * and the emulator: every variant must give the same outcomes.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const payments = { team: 'payments', env: 'prod' };
const byInstance = (summary: Summary) =>
  summary.results.map((r) => [r.instanceId, r.outcome, r.role, r.previousRole, r.error?.code]);

async function run(
  behaviour: Partial<EcsBehaviour>,
  instances: ReturnType<typeof instance>[],
  options: { policy?: string; before?: (h: Harness) => void; state?: string } = {},
): Promise<{ summary: Summary; harness: Harness }> {
  h = await startHarness({ seed: { instances }, ...(options.policy ? { policy: options.policy } : {}) });
  Object.assign(h.stack.ecs.behaviour, behaviour);
  options.before?.(h);
  const summary = await h.invoke(instances.map((i) => stateChange(i.id, options.state)));
  return { summary, harness: h };
}

describe('DescribeInstanceRamRole: ≤ 50 ids a call, a row per instance (cloud-facts ECS-4, ECS-7)', () => {
  // 60 instances, all but one without a role: the one with a foreign role sits past the first 50 rows.
  const fleet = () =>
    ids('pay', 60).map((id, i) => instance(id, payments, i === 54 ? { role: 'LegacyOpsRole' } : {}));

  it('the same outcomes whether ECS lists every instance asked about or only those with a role', async () => {
    const results: unknown[] = [];
    for (const roleRows of ['every-instance', 'with-role-only'] as const) {
      const { summary, harness } = await run({ roleRows }, fleet());
      expect(summary.counts).toEqual({ attached: 59, conflict: 1 });
      expect(summary.results[54]).toMatchObject({ outcome: 'conflict', previousRole: 'LegacyOpsRole' });
      const reads = harness.stack.calls.records.filter((r) => r.action === 'DescribeInstanceRamRole');
      expect(reads.map((r) => (JSON.parse(r.params.InstanceIds ?? '[]') as string[]).length)).toEqual([
        50, 10,
      ]);
      expect(reads.every((r) => r.status === 200)).toBe(true);
      results.push(byInstance(summary));
      await harness.close();
      h = undefined;
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('per-instance Code as a string or a number (cloud-facts ECS-12)', () => {
  it('attaches the same either way', async () => {
    const results: unknown[] = [];
    for (const resultCode of ['string', 'number'] as const) {
      const { summary, harness } = await run(
        { resultCode },
        ids('num', 3).map((id) => instance(id, payments)),
      );
      expect(summary.counts).toEqual({ attached: 3 });
      results.push(byInstance(summary));
      await harness.close();
      h = undefined;
    }
    expect(results[1]).toEqual(results[0]);
  });
});

/**
 * Another writer attaches a role between the function's read and its attach (a fault with `concurrentRole`), and
 * ECS refuses the attach with a code nobody documents (cloud-facts ECS-16): two different codes, the same outcome.
 */
describe('an attach refused because a role appeared meanwhile, under whatever code', () => {
  const codes = ['InvalidRamRole.AlreadyAttached', 'Forbidden.InstanceHasRole'];
  const [raced, calm] = ids('race', 2) as [string, string];
  const pair = () => [instance(raced, payments), instance(calm, payments)];
  const race = (role: string) => (harness: Harness) => {
    harness.stack.ecs.faults.add({
      action: 'AttachInstanceRamRole',
      instanceId: raced,
      concurrentRole: role,
    });
  };

  it.each(codes)('%s: another role is kept as a conflict, nothing dead-lettered', async (code) => {
    const { summary, harness } = await run({ alreadyAttachedCode: code }, pair(), {
      before: race('LegacyOpsRole'),
    });
    expect(byInstance(summary)).toEqual([
      [raced, 'conflict', 'EcsPaymentsRole', 'LegacyOpsRole', undefined],
      [calm, 'attached', 'EcsPaymentsRole', undefined, undefined],
    ]);
    expect(harness.stack.deadLetters()).toEqual([]);
    expect(harness.stack.ecs.state.instance(raced)?.role).toBe('LegacyOpsRole');
  });

  it.each(codes)('%s: the desired role is already-correct', async (code) => {
    const { summary, harness } = await run({ alreadyAttachedCode: code }, pair(), {
      before: race('EcsPaymentsRole'),
    });
    expect(summary.results[0]).toMatchObject({ instanceId: raced, outcome: 'already-correct' });
    expect(harness.stack.deadLetters()).toEqual([]);
  });

  it.each(codes)('%s: with onExistingRole replace, the other role is replaced', async (code) => {
    const policy = DESIGN_POLICY.replace(/^onExistingRole: .*$/m, 'onExistingRole: replace');
    const { summary, harness } = await run({ alreadyAttachedCode: code }, pair(), {
      policy,
      before: race('LegacyOpsRole'),
    });
    expect(summary.results[0]).toMatchObject({
      instanceId: raced,
      outcome: 'replaced',
      role: 'EcsPaymentsRole',
      previousRole: 'LegacyOpsRole',
    });
    expect(harness.stack.ecs.state.instance(raced)?.role).toBe('EcsPaymentsRole');
  });
});

/**
 * A launch event's instance is attached without a read (cloud-facts ECS-34); one launched with a role is refused
 * under whatever code, re-read, and ends as a read would have ended it.
 */
describe('attach-first for a launch, whatever code refuses an instance launched with a role', () => {
  const codes = ['InvalidRamRole.AlreadyAttached', 'Forbidden.InstanceHasRole'];
  const [fresh, same, other] = ids('lnch', 3) as [string, string, string];
  const launched = () => [
    instance(fresh, payments),
    instance(same, payments, { role: 'EcsPaymentsRole' }),
    instance(other, payments, { role: 'LegacyOpsRole' }),
  ];

  it.each(codes)('%s: attached, already-correct and conflict, nothing dead-lettered', async (code) => {
    const { summary, harness } = await run({ alreadyAttachedCode: code }, launched(), { state: 'Pending' });
    expect(byInstance(summary)).toEqual([
      [fresh, 'attached', 'EcsPaymentsRole', undefined, undefined],
      [same, 'already-correct', 'EcsPaymentsRole', undefined, undefined],
      [other, 'conflict', 'EcsPaymentsRole', 'LegacyOpsRole', undefined],
    ]);
    expect(harness.stack.deadLetters()).toEqual([]);
    // One attach of all three, one re-read of the two it refused; no read before.
    const calls = harness.stack.calls.records.filter((r) => r.service === 'ecs').map((r) => r.action);
    expect(calls).toEqual(['DescribeInstances', 'AttachInstanceRamRole', 'DescribeInstanceRamRole']);
    expect(harness.stack.ecs.state.instance(other)?.role).toBe('LegacyOpsRole');
  });
});

describe('DescribeInstances without permission (cloud-facts ECS-20)', () => {
  it('Forbidden.RAM (since 2025-12-20): dead-lettered with that code, never taken as deleted', async () => {
    const { summary } = await run(
      {},
      ids('perm', 2).map((id) => instance(id, payments)),
      {
        before: (harness) => {
          harness.stack.ecs.faults.add({
            action: 'DescribeInstances',
            code: 'Forbidden.RAM',
            times: Infinity,
          });
        },
      },
    );
    expect(summary.results.map((r) => [r.outcome, r.error?.code])).toEqual([
      ['dead-lettered', 'Forbidden.RAM'],
      ['dead-lettered', 'Forbidden.RAM'],
    ]);
  });
});
