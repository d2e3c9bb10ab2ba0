import { describe, expect, it } from 'vitest';
import { runSmall } from './sandbox-support.js';

describe('the default scenario at a small scale, buffered shape', () => {
  it('settles, converges and meets every expectation of the scenario', { timeout: 90_000 }, async () => {
    const { result, checks } = await runSmall('buffered');
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
    expect(result.latency.count).toBe(result.outcomes.attached);
    // Batches: far fewer invocations and ECS calls than instances.
    expect(result.invocations.byFunction['ecs-ram-role-attacher']).toBeLessThan(result.latency.count / 3);
    expect(result.ecsCalls.AttachInstanceRamRole ?? 0).toBeLessThan(result.latency.count / 3);
  });
});
