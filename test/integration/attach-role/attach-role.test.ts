import { afterEach, describe, expect, it } from 'vitest';
import { fixture, type Harness, ids, instance, startHarness, stateChange } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('attach-role handler against the ECS and MNS emulators', () => {
  it('attaches the role a creation event calls for', async () => {
    h = await startHarness({
      seed: { instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })] },
    });
    const summary = await h.invoke(fixture('eb-instance-state-pending.json'));
    expect(summary.counts).toEqual({ attached: 1 });
    expect(summary.results).toEqual([
      {
        instanceId: 'i-bp1pay00000000000002',
        regionId: 'cn-hangzhou',
        outcome: 'attached',
        role: 'EcsPaymentsRole',
        rule: 'payments',
      },
    ]);
    expect(h.stack.ecs.state.instance('i-bp1pay00000000000002')?.role).toBe('EcsPaymentsRole');
    expect(h.stack.calls.byAction('ecs')).toEqual({
      DescribeInstances: 1,
      DescribeInstanceRamRole: 1,
      AttachInstanceRamRole: 1,
    });
  });

  it('attaches the role after a tag change, reading the tags from ECS, not from the event', async () => {
    h = await startHarness({
      seed: {
        instances: [
          instance('i-bp1bld00000000000001', { app: 'build-runner', team: 'ci' }),
          // The event says app=build-runner was added, but ECS says otherwise now: ECS wins.
          instance('i-bp1bld00000000000002', { app: 'web', team: 'ci' }),
        ],
      },
    });
    const summary = await h.invoke(fixture('eb-actiontrail-tagresources.json'));
    expect(summary.results.map((r) => [r.instanceId, r.outcome, r.role])).toEqual([
      ['i-bp1bld00000000000001', 'attached', 'EcsBuildAgentRole'],
      ['i-bp1bld00000000000002', 'no-rule', undefined],
    ]);
    expect(h.stack.ecs.state.instance('i-bp1bld00000000000002')?.role).toBeNull();
  });

  it('250 instances launched across 3 roles in one batched event: ⌈n/100⌉ attach calls per role, no role read', async () => {
    const payments = ids('pay', 120);
    const app = ids('app', 90);
    const build = ids('bld', 40);
    h = await startHarness({
      seed: {
        instances: [
          ...payments.map((id) => instance(id, { team: 'payments', env: 'prod' })),
          ...app.map((id) => instance(id, { team: 'web', 'ram-role': 'EcsAppRole' })),
          ...build.map((id) => instance(id, { team: 'ci', app: 'build-agent' })),
        ],
      },
    });
    const event = [...payments, ...app, ...build].map((id) => stateChange(id, 'Pending'));
    const summary = await h.invoke(event);
    expect(summary.counts).toEqual({ attached: 250 });
    const attaches = h.stack.calls.records.filter((r) => r.action === 'AttachInstanceRamRole');
    const perRole = (role: string) => attaches.filter((r) => r.params.RamRoleName === role).length;
    expect(perRole('EcsPaymentsRole')).toBe(2);
    expect(perRole('EcsAppRole')).toBe(1);
    expect(perRole('EcsBuildAgentRole')).toBe(1);
    expect(attaches).toHaveLength(4);
    expect(h.stack.calls.count('DescribeInstances')).toBe(3);
    // Launched (state Pending): attached without reading their roles first (cloud-facts ECS-34).
    expect(h.stack.calls.count('DescribeInstanceRamRole')).toBe(0);
    const roles = h.stack.ecs.state.roleAssignments();
    expect(payments.every((id) => roles[id] === 'EcsPaymentsRole')).toBe(true);
    expect(app.every((id) => roles[id] === 'EcsAppRole')).toBe(true);
    expect(build.every((id) => roles[id] === 'EcsBuildAgentRole')).toBe(true);
  });

  it('the same event delivered twice makes no second attach call', async () => {
    h = await startHarness({
      seed: { instances: [instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' })] },
    });
    await h.invoke(fixture('eb-instance-state-pending.json'));
    const second = await h.invoke(fixture('eb-instance-state-pending.json'));
    expect(second.counts).toEqual({ 'already-correct': 1 });
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(1);
  });

  it('the same event delivered twice at once (concurrent invocations) attaches once and dead-letters nothing', async () => {
    h = await startHarness({
      seed: { instances: ids('pay', 30).map((id) => instance(id, { team: 'payments', env: 'prod' })) },
      // Two FC instances racing, each with its own coalescer: nothing shared between them.
      env: { COALESCE_WINDOW_MS: '0' },
    });
    const event = ids('pay', 30).map((id) => stateChange(id));
    // Both invocations read the roles before either writes (each read waits for the other), as two FC instances
    // racing would.
    h.stack.ecs.faults.add({ action: 'DescribeInstanceRamRole', barrier: 2 });
    const [a, b] = await Promise.all([h.invoke(event), h.invoke(event)]);
    const outcomes = [...a.results, ...b.results].map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'dead-lettered')).toEqual([]);
    // Each instance is attached by exactly one of the two; the other finds it done (after its own attach was
    // refused because the role was already there) instead of dead-lettering a false alarm.
    expect(outcomes.filter((o) => o === 'attached')).toHaveLength(30);
    expect(outcomes.filter((o) => o === 'already-correct')).toHaveLength(30);
    // Both really raced: each made its attach call.
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(2);
    expect(h.stack.deadLetters()).toEqual([]);
    expect(Object.values(h.stack.ecs.state.roleAssignments()).every((r) => r === 'EcsPaymentsRole')).toBe(
      true,
    );
  });

  it('out-of-order events converge on the tags as they are now', async () => {
    h = await startHarness({
      seed: { instances: [instance('i-bp1web00000000000001', { team: 'web', 'ram-role': 'EcsAppRole' })] },
    });
    const tagged = {
      id: 'evt-tag',
      source: 'acs.actiontrail',
      specversion: '1.0',
      type: 'actiontrail:ActionTrail:ApiCall',
      aliyunregionid: 'cn-hangzhou',
      data: {
        eventName: 'TagResources',
        acsRegion: 'cn-hangzhou',
        requestParameters: {
          RegionId: 'cn-hangzhou',
          ResourceType: 'instance',
          'ResourceId.1': 'i-bp1web00000000000001',
        },
      },
    };
    // The tag change arrives before the older creation event.
    const first = await h.invoke(tagged);
    const second = await h.invoke(stateChange('i-bp1web00000000000001', 'Pending'));
    expect(first.results[0]?.outcome).toBe('attached');
    expect(second.results[0]?.outcome).toBe('already-correct');
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(1);
  });
});
