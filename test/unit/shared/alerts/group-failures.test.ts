import { describe, expect, it } from 'vitest';
import { groupFailures } from '../../../../shared/alerts/group-failures.js';
import type { DeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import type { InstanceRecord, PoisonRecord } from '../../../../shared/dead-letter/dead-letter-record.js';

const poison = (overrides: Partial<PoisonRecord> = {}): DeadLetterMessage => ({
  kind: 'record',
  record: {
    kind: 'poison',
    version: 1,
    at: '2026-11-29T04:00:00.000Z',
    accountId: '1234567890123456',
    regionId: 'cn-hangzhou',
    error: { code: 'InvalidEvent.RegionId', message: 'bad region', class: 'permanent' },
    attempts: 1,
    source: { fcRequestId: 'fc-1' },
    ...overrides,
  },
});

const record = (n: number, overrides: Partial<InstanceRecord> = {}): DeadLetterMessage => ({
  kind: 'record',
  record: {
    kind: 'attach-failed',
    version: 1,
    at: `2026-11-29T04:${String(n % 60).padStart(2, '0')}:00.000Z`,
    accountId: '1234567890123456',
    regionId: 'cn-hangzhou',
    instanceId: `i-bp1bld${String(n).padStart(14, '0')}`,
    desiredRole: 'EcsBuildAgentRole',
    currentRole: null,
    error: { code: 'InvalidRamRole.NotEcsRole', message: 'not authorized for ecs', class: 'permanent' },
    attempts: 1,
    source: { fcRequestId: 'fc-1' },
    ...overrides,
  },
});

describe('groupFailures', () => {
  it('a failed AssumeRole is one group per account, across its regions; other failures keep their regions', () => {
    const stsError = (accountId: string, regionId: string, n: number) =>
      record(n, {
        accountId,
        regionId,
        desiredRole: null,
        error: { code: 'NoPermission', message: 'not trusted', class: 'permanent', scope: 'account' },
      });
    const groups = groupFailures([
      stsError('2000000000000001', 'cn-hangzhou', 1),
      stsError('2000000000000001', 'cn-shanghai', 2),
      stsError('3000000000000002', 'cn-hangzhou', 3),
      record(4, { regionId: 'cn-hangzhou' }),
      record(5, { regionId: 'cn-shanghai' }),
    ]);
    expect(groups.map((g) => [g.code, g.count])).toEqual([
      ['NoPermission', 2],
      ['NoPermission', 1],
      ['InvalidRamRole.NotEcsRole', 1],
      ['InvalidRamRole.NotEcsRole', 1],
    ]);
  });

  it('a 1,000-instance failure is one group: the first 10 listed with console links, 990 counted', () => {
    const groups = groupFailures(Array.from({ length: 1000 }, (_, i) => record(i)));
    expect(groups).toHaveLength(1);
    const [group] = groups;
    expect(group).toMatchObject({
      kind: 'attach-failed',
      code: 'InvalidRamRole.NotEcsRole',
      role: 'EcsBuildAgentRole',
      accountId: '1234567890123456',
      regionId: 'cn-hangzhou',
      count: 1000,
      more: 990,
      severity: 'error',
      firstAt: '2026-11-29T04:00:00.000Z',
      lastAt: '2026-11-29T04:59:00.000Z',
    });
    expect(group?.instances).toHaveLength(10);
    expect(group?.instances[0]).toEqual({
      instanceId: 'i-bp1bld00000000000000',
      regionId: 'cn-hangzhou',
      consoleUrl: 'https://ecs.console.aliyun.com/server/i-bp1bld00000000000000/detail?regionId=cn-hangzhou',
    });
  });

  it('splits by account, region, kind, code and role, and keys each group stably', () => {
    const messages = [
      record(1),
      record(2, { regionId: 'cn-shanghai' }),
      record(3, { desiredRole: 'EcsAppRole' }),
      record(4, { kind: 'deadline', error: { code: 'Throttling.User', message: 't', class: 'retryable' } }),
      record(5, { accountId: '999' }),
    ];
    const groups = groupFailures(messages);
    expect(groups).toHaveLength(5);
    expect(new Set(groups.map((g) => g.key)).size).toBe(5);
    // The same failure in another batch has the same key: PagerDuty collapses them into one incident.
    expect(groupFailures([record(77)])[0]?.key).toBe(groups[0]?.key);
    expect(groups[3]).toMatchObject({
      kind: 'deadline',
      severity: 'warning',
      advice: expect.stringContaining('buffered'),
    });
  });

  it('counts an instance named by several records (several events about it) once', () => {
    const [group] = groupFailures([record(1), record(1), record(2)]);
    expect(group?.count).toBe(2);
  });

  it('marks a failed replace as critical: the instance has no role now', () => {
    const [group] = groupFailures([record(1, { kind: 'replace-failed', previousRole: 'EcsAppRole' })]);
    expect(group).toMatchObject({ severity: 'critical', advice: expect.stringContaining('has no role now') });
    expect(group?.instances[0]?.previousRole).toBe('EcsAppRole');
  });

  it('keeps what it cannot read and poison records as groups of their own, with an excerpt', () => {
    const groups = groupFailures([
      { kind: 'unreadable', body: 'x'.repeat(2000), reason: 'neither JSON nor base64 of JSON' },
      poison({ event: { source: 'acs.ecs' } }),
    ]);
    expect(groups.map((g) => [g.kind, g.count, g.instances.length, g.more])).toEqual([
      ['unreadable', 1, 0, 1],
      ['poison', 1, 0, 1],
    ]);
    expect(groups[0]?.sample?.length).toBeLessThanOrEqual(501);
    expect(groups[1]?.sample).toBe('{"source":"acs.ecs"}');
  });

  it('lists the instances a poison record kept, and shows the offending value when it has no event', () => {
    const groups = groupFailures([
      poison({ instanceIds: ['i-bp1pay00000000000001', 'i-bp1pay00000000000002'], event: { id: 'e' } }),
      poison({
        error: { code: 'InvalidEvent.InstanceId', message: 'bad id', class: 'permanent' },
        path: '/data/referencedResources/ACS::ECS::Instance/3',
        value: 'i-NOT-VALID',
      }),
    ]);
    expect(groups.map((g) => [g.code, g.count, g.instances.map((i) => i.instanceId), g.sample])).toEqual([
      ['InvalidEvent.RegionId', 2, ['i-bp1pay00000000000001', 'i-bp1pay00000000000002'], '{"id":"e"}'],
      ['InvalidEvent.InstanceId', 1, [], '/data/referencedResources/ACS::ECS::Instance/3: i-NOT-VALID'],
    ]);
  });
});
