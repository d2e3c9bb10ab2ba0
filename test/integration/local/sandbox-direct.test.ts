import { describe, expect, it } from 'vitest';
import { expectDefaultScenarioHeld, runSmall } from './sandbox-support.js';

describe('the default scenario at a small scale, direct shape', () => {
  it('settles, converges and meets every expectation of the scenario', { timeout: 120_000 }, async () => {
    const run = await runSmall('direct');
    expectDefaultScenarioHeld(run);
    // The throttling storm bites per-event invocations, and they still converge.
    expect(run.result.throttled).toBeGreaterThan(0);
    // One invocation per event: at least one per launched instance (its Running state change).
    expect(run.result.invocations.byFunction['ecs-ram-role-attacher']).toBeGreaterThan(
      run.result.latency.count,
    );
  });
});
