import { describe, expect, it } from 'vitest';
import { expectDefaultScenarioHeld, runSmall } from './sandbox-support.js';

describe('the default scenario at a small scale, buffered shape', () => {
  it('settles, converges and meets every expectation of the scenario', { timeout: 120_000 }, async () => {
    const run = await runSmall('buffered');
    expectDefaultScenarioHeld(run);
    // Batches: far fewer invocations and ECS calls than instances (the sweeps' invocations included).
    expect(run.result.invocations.byFunction['ecs-ram-role-attacher']).toBeLessThan(run.result.instances / 3);
    expect(run.result.ecsCalls.AttachInstanceRamRole ?? 0).toBeLessThan(run.result.instances / 3);
  });
});
