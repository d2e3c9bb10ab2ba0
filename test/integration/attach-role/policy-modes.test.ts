import { afterEach, describe, expect, it } from 'vitest';
import { DESIGN_POLICY, type Harness, instance, startHarness, stateChange } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const withExisting = (onExistingRole: string) =>
  DESIGN_POLICY.replace(/^onExistingRole: \w+/m, `onExistingRole: ${onExistingRole}`);

const seed = {
  instances: [
    // Holds a role the policy manages (in allowedRoles) but not the one its tags call for.
    instance('i-bp1pay00000000000001', { team: 'payments', env: 'prod' }, { role: 'EcsAppRole' }),
    // Holds a role the policy does not manage.
    instance('i-bp1pay00000000000002', { team: 'payments', env: 'prod' }, { role: 'LegacyOpsRole' }),
  ],
};
const event = [stateChange('i-bp1pay00000000000001'), stateChange('i-bp1pay00000000000002')];

describe('onExistingRole and mode', () => {
  it('keep: leaves any other role alone and reports a conflict, with no write', async () => {
    h = await startHarness({ seed, policy: withExisting('keep') });
    const summary = await h.invoke(event);
    expect(summary.counts).toEqual({ conflict: 2 });
    expect(summary.results[1]).toMatchObject({
      outcome: 'conflict',
      role: 'EcsPaymentsRole',
      previousRole: 'LegacyOpsRole',
    });
    expect(h.stack.calls.count('AttachInstanceRamRole') + h.stack.calls.count('DetachInstanceRamRole')).toBe(
      0,
    );
    expect(h.stack.deadLetters()).toEqual([]);
  });

  it('keep with reportConflicts: each conflict also goes to the dead-letter queue', async () => {
    h = await startHarness({ seed, policy: `${withExisting('keep')}\nreportConflicts: true\n` });
    await h.invoke(event);
    const records = h.stack.deadLetters();
    expect(
      records.map((r) =>
        r.kind === 'poison' ? [r.kind] : [r.kind, r.instanceId, r.currentRole, r.desiredRole],
      ),
    ).toEqual([
      ['conflict', 'i-bp1pay00000000000001', 'EcsAppRole', 'EcsPaymentsRole'],
      ['conflict', 'i-bp1pay00000000000002', 'LegacyOpsRole', 'EcsPaymentsRole'],
    ]);
  });

  it('replace-managed: replaces a role in allowedRoles, never one the policy does not own', async () => {
    h = await startHarness({ seed, policy: withExisting('replace-managed') });
    const summary = await h.invoke(event);
    expect(summary.results.map((r) => [r.instanceId, r.outcome, r.previousRole])).toEqual([
      ['i-bp1pay00000000000001', 'replaced', 'EcsAppRole'],
      ['i-bp1pay00000000000002', 'conflict', 'LegacyOpsRole'],
    ]);
    expect(h.stack.ecs.state.roleAssignments()).toEqual({
      'i-bp1pay00000000000001': 'EcsPaymentsRole',
      'i-bp1pay00000000000002': 'LegacyOpsRole',
    });
    const detach = h.stack.calls.records.filter((r) => r.action === 'DetachInstanceRamRole');
    expect(detach).toHaveLength(1);
    // The detach names the role it expects to remove, so a role changed meanwhile is never removed blindly.
    expect(detach[0]?.params.RamRoleName).toBe('EcsAppRole');
  });

  it('replace: detaches whatever role is there, then attaches the desired one', async () => {
    h = await startHarness({ seed, policy: withExisting('replace') });
    const summary = await h.invoke(event);
    expect(summary.counts).toEqual({ replaced: 2 });
    expect(Object.values(h.stack.ecs.state.roleAssignments())).toEqual([
      'EcsPaymentsRole',
      'EcsPaymentsRole',
    ]);
    // One detach per role being removed, one attach for the role being given.
    expect(h.stack.calls.count('DetachInstanceRamRole')).toBe(2);
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(1);
  });

  it('replace delivered twice at once: one invocation replaces, the other finds it done, nothing is dead-lettered', async () => {
    h = await startHarness({ seed, policy: withExisting('replace') });
    // Both read the roles before either writes, as two FC instances racing would.
    h.stack.ecs.faults.add({ action: 'DescribeInstanceRamRole', barrier: 2 });
    const [a, b] = await Promise.all([h.invoke(event), h.invoke(event)]);
    const outcomes = [...a.results, ...b.results].map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['already-correct', 'already-correct', 'replaced', 'replaced']);
    expect(h.stack.deadLetters()).toEqual([]);
    expect(Object.values(h.stack.ecs.state.roleAssignments())).toEqual([
      'EcsPaymentsRole',
      'EcsPaymentsRole',
    ]);
  });

  it('dry-run decides and reports but makes no write call', async () => {
    h = await startHarness({
      seed: {
        instances: [
          ...seed.instances,
          instance('i-bp1pay00000000000003', { team: 'payments', env: 'staging' }),
        ],
      },
      policy: withExisting('replace').replace(/^mode: \S+/m, 'mode: dry-run'),
    });
    const summary = await h.invoke([...event, stateChange('i-bp1pay00000000000003')]);
    expect(summary.counts).toEqual({ 'would-replace': 2, 'would-attach': 1 });
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(0);
    expect(h.stack.calls.count('DetachInstanceRamRole')).toBe(0);
    expect(h.stack.ecs.state.instance('i-bp1pay00000000000003')?.role).toBeNull();
  });

  it('a ram-role tag naming a role outside allowedRoles is refused and never attached', async () => {
    h = await startHarness({
      seed: { instances: [instance('i-bp1web00000000000009', { team: 'web', 'ram-role': 'AdminRole' })] },
    });
    h.stack.ecs.state.addRole({ name: 'AdminRole', trustsEcs: true });
    const summary = await h.invoke(stateChange('i-bp1web00000000000009'));
    expect(summary.results[0]).toMatchObject({
      outcome: 'refused',
      role: 'AdminRole',
      rule: 'role-from-tag',
    });
    expect(h.stack.calls.count('AttachInstanceRamRole')).toBe(0);
    expect(h.stack.ecs.state.instance('i-bp1web00000000000009')?.role).toBeNull();
  });
});
