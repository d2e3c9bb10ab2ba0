import { describe, expect, it } from 'vitest';
import { planInstance } from '../../../../shared/attach/plan.js';
import type { InstanceState } from '../../../../shared/ecs/ecs-gateway.js';
import type { Decision, Policy } from '../../../../shared/policy/policy.js';

const policy = (overrides: Partial<Policy> = {}): Policy => ({
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole', 'EcsPaymentsRole'],
  rules: [],
  ...overrides,
});

const instance = (overrides: Partial<InstanceState> = {}): InstanceState => ({
  instanceId: 'i-bp1aaaaaaaaaaaaaaaa1',
  regionId: 'cn-hangzhou',
  status: 'Running',
  networkType: 'vpc',
  tags: {},
  ...overrides,
});

const attach: Decision = { action: 'attach', role: 'EcsPaymentsRole', rule: 'payments' };

describe('planInstance', () => {
  it('attaches when the instance has no role', () => {
    expect(planInstance(policy(), instance(), null, attach)).toEqual({
      kind: 'attach',
      role: 'EcsPaymentsRole',
      rule: 'payments',
    });
  });

  it('writes nothing when the instance already has the desired role', () => {
    expect(planInstance(policy(), instance(), 'EcsPaymentsRole', attach)).toEqual({
      kind: 'done',
      result: { outcome: 'already-correct', role: 'EcsPaymentsRole', rule: 'payments' },
    });
  });

  it('keep: another role is a conflict, reported only when the policy asks', () => {
    const plan = planInstance(policy(), instance(), 'EcsAppRole', attach);
    expect(plan).toMatchObject({
      kind: 'done',
      result: { outcome: 'conflict', previousRole: 'EcsAppRole' },
      reportConflict: false,
    });
    const reported = planInstance(policy({ reportConflicts: true }), instance(), 'EcsAppRole', attach);
    expect(reported).toMatchObject({ reportConflict: true });
  });

  it('replace-managed: replaces a role the policy owns, never one it does not', () => {
    const p = policy({ onExistingRole: 'replace-managed' });
    expect(planInstance(p, instance(), 'EcsAppRole', attach)).toEqual({
      kind: 'replace',
      role: 'EcsPaymentsRole',
      from: 'EcsAppRole',
      rule: 'payments',
    });
    expect(planInstance(p, instance(), 'AdminRole', attach)).toMatchObject({
      kind: 'done',
      result: { outcome: 'conflict' },
    });
  });

  it('replace: replaces any other role', () => {
    expect(
      planInstance(policy({ onExistingRole: 'replace' }), instance(), 'AdminRole', attach),
    ).toMatchObject({
      kind: 'replace',
      from: 'AdminRole',
    });
  });

  it('dry-run never plans a write', () => {
    const p = policy({ mode: 'dry-run', onExistingRole: 'replace' });
    expect(planInstance(p, instance(), null, attach)).toMatchObject({
      kind: 'done',
      result: { outcome: 'would-attach' },
    });
    expect(planInstance(p, instance(), 'AdminRole', attach)).toMatchObject({
      kind: 'done',
      result: { outcome: 'would-replace', previousRole: 'AdminRole' },
    });
  });

  it('skips classic-network and deleted instances before looking at the policy', () => {
    expect(planInstance(policy(), instance({ networkType: 'classic' }), null, attach)).toMatchObject({
      result: { outcome: 'skipped', reason: 'classic-network' },
    });
    expect(planInstance(policy(), instance({ status: 'Deleted' }), null, attach)).toMatchObject({
      result: { outcome: 'skipped', reason: 'deleted' },
    });
  });

  it('passes skip, no-rule and refused decisions through without a write', () => {
    expect(
      planInstance(policy(), instance(), null, { action: 'skip', reason: 'policy', rule: 'opt-out' }),
    ).toEqual({
      kind: 'done',
      result: { outcome: 'skipped', reason: 'policy', rule: 'opt-out' },
    });
    expect(planInstance(policy(), instance(), null, { action: 'no-rule' })).toEqual({
      kind: 'done',
      result: { outcome: 'no-rule' },
    });
    expect(
      planInstance(policy(), instance(), null, {
        action: 'refused',
        role: 'AdminRole',
        rule: 'role-from-tag',
        reason: 'not allowed',
      }),
    ).toEqual({
      kind: 'done',
      result: { outcome: 'refused', role: 'AdminRole', rule: 'role-from-tag', reason: 'not allowed' },
    });
  });
});
