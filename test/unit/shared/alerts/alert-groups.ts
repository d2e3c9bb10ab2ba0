import type { AlertGroup } from '../../../../shared/alerts/alert-group.js';
import { groupFailures } from '../../../../shared/alerts/group-failures.js';
import type { DeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';

/** Alert groups for the target tests, made the way the alert function makes them. */

export const ACCOUNT = '1234567890123456';

function record(n: number, message: string, overrides: { kind?: 'attach-failed' | 'replace-failed' } = {}) {
  const id = `i-bp1${String(n).padStart(17, '0')}`;
  return {
    kind: 'record',
    record: {
      kind: overrides.kind ?? 'attach-failed',
      version: 1,
      at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + n * 1000).toISOString(),
      accountId: ACCOUNT,
      regionId: 'cn-hangzhou',
      instanceId: id,
      desiredRole: 'EcsAppRole',
      ...(overrides.kind === 'replace-failed' ? { previousRole: 'LegacyOpsRole' } : {}),
      error: { code: 'InvalidRamRole.NotFound', message, class: 'permanent' },
      attempts: 1,
      source: { fcRequestId: `req-${n}` },
    },
  } satisfies DeadLetterMessage;
}

/** Two instances whose role does not exist. */
export function smallGroup(): AlertGroup {
  const [group] = groupFailures([1, 2].map((n) => record(n, 'The specified RAM role does not exist.')));
  if (!group) throw new Error('no group');
  return group;
}

/**
 * 1,000 instances (10 listed, "and 990 more") with a long message that mixes CJK, emoji (surrogate pairs) and a
 * markdown link, so every target has to cut it.
 */
export const LONG_MESSAGE = `${'角色不存在 🚨 '.repeat(600)}see [the RAM console](https://ram.console.aliyun.com/roles/EcsAppRole) ${'🚀'.repeat(2000)}`;

export function bigGroup(options: { maxListed?: number } = {}): AlertGroup {
  const messages = Array.from({ length: 1000 }, (_, i) => record(i + 1, LONG_MESSAGE));
  const [group] = groupFailures(messages, options);
  if (!group) throw new Error('no group');
  return group;
}
