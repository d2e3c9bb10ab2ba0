import { describe, expect, it } from 'vitest';
import { runSmall } from './sandbox-support.js';

describe('the default scenario at a small scale, direct shape', () => {
  it('settles, converges and meets every expectation of the scenario', { timeout: 90_000 }, async () => {
    const { result, checks } = await runSmall('direct');
    expect(checks.filter((c) => !c.ok).map((c) => c.text)).toEqual([]);
    expect(result.verdicts.length).toBeGreaterThan(40);
    // A role that does not trust ECS is alerted to every target, then fixed and replayed by redrive.
    expect(Object.keys(result.alerts.byTarget).sort()).toEqual([
      'dingtalk',
      'lark',
      'pagerduty',
      'slack',
      'webhook',
      'wecom',
    ]);
    expect(result.redrives[0]?.fixed).toBeGreaterThan(0);
    expect(result.redrives[0]?.stillFailing).toBe(0);
    expect(result.deadLetters.byCode['InvalidRamRole.NotEcsRole'] ?? 0).toBe(0);
    expect(result.outcomes.attached).toBeGreaterThan(30);
    expect(result.outcomes.replaced).toBeGreaterThan(0);
    // The throttling storm bites per-event invocations, and they still converge.
    expect(result.throttled).toBeGreaterThan(0);
    expect(result.latency.count).toBe(result.outcomes.attached);
    // One invocation per event: at least one per launched instance (its Running state change).
    expect(result.invocations.byFunction['ecs-ram-role-attacher']).toBeGreaterThan(result.latency.count);
  });
});
