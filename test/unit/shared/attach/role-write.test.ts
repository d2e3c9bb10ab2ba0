import { describe, expect, it } from 'vitest';
import { failureKind } from '../../../../shared/attach/ledger.js';
import { roleWrite } from '../../../../shared/attach/write-roles.js';
import type { InstanceState } from '../../../../shared/ecs/ecs-gateway.js';

const instance: InstanceState = {
  instanceId: 'i-bp1aaaaaaaaaaaaaaaa1',
  regionId: 'cn-hangzhou',
  status: 'Running',
  networkType: 'vpc',
  tags: {},
};

describe('roleWrite', () => {
  it('an attach keeps whether the instance is new', () => {
    const plan = { kind: 'attach', role: 'EcsAppRole', rule: 'app' } as const;
    expect(roleWrite(instance, plan, { isNew: true })).toEqual({
      kind: 'attach',
      instance,
      role: 'EcsAppRole',
      rule: 'app',
      isNew: true,
      unread: false,
    });
    expect(roleWrite(instance, plan, { isNew: false })).toMatchObject({ kind: 'attach', isNew: false });
    expect(roleWrite(instance, plan, { isNew: true, unread: true })).toMatchObject({ unread: true });
  });

  it('a replace names the role to detach, is never new, and is not replanned unless said', () => {
    const plan = { kind: 'replace', role: 'EcsAppRole', from: 'OldRole', rule: 'app' } as const;
    expect(roleWrite(instance, plan, { isNew: true })).toEqual({
      kind: 'replace',
      instance,
      role: 'EcsAppRole',
      rule: 'app',
      from: 'OldRole',
      replanned: false,
    });
    expect(roleWrite(instance, plan, { isNew: false, replanned: true })).toMatchObject({ replanned: true });
  });
});

describe('failureKind', () => {
  it('is deadline only when the deadline stopped the retries', () => {
    expect(failureKind({ stoppedBy: 'deadline' })).toBe('deadline');
    expect(failureKind({ stoppedBy: 'attempts' })).toBe('attach-failed');
    expect(failureKind({ stoppedBy: 'permanent' })).toBe('attach-failed');
  });
});
