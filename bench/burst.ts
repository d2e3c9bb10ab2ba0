/**
 * The burst benchmark: 5,000 instances launched in bursts of 100 over the first 10 seconds, every ECS action
 * limited to 20 calls/s with 30 ms latency, run in both deployment shapes on the sandbox. Reports the time until
 * every instance holds its role against its lower bound — the later of the last launch and the busiest action's
 * calls ÷ its rate — the ECS calls per instance, and the throttled calls.
 */
import { type RunResult, runScenario } from '../local/sandbox/run-scenario.js';
import type { Shape } from '../local/sandbox/sandbox.js';
import type { Scenario } from '../local/sandbox/scenario.js';
import { parseSeed } from '../local/seed.js';

export const BURST = { instances: 5_000, burstSize: 100, overSeconds: 10, ratePerSecond: 20, latencyMs: 30 };

const GROUPS = [
  { group: 'payments', tags: { team: 'payments', env: 'prod' } },
  { group: 'web', tags: { team: 'web', 'ram-role': 'EcsAppRole' } },
  { group: 'build', tags: { team: 'ci', app: 'build-runner' } },
] as const;

export function burstScenario(timeLimitSeconds: number): Scenario {
  const bursts = BURST.instances / BURST.burstSize;
  const every = BURST.overSeconds / bursts;
  return {
    name: 'burst',
    description: `${BURST.instances} instances in bursts of ${BURST.burstSize} over ${BURST.overSeconds} s`,
    timeLimitSeconds,
    // Real time: the batch window and retry waits are part of what is measured.
    timeScale: 1,
    fc: { maxInstances: 50 },
    ecs: {
      latencyMs: BURST.latencyMs,
      rateLimit: { ratePerSecond: BURST.ratePerSecond, burst: BURST.ratePerSecond },
      pendingSeconds: 0.2,
      startingSeconds: 0.2,
      visibilityLagSeconds: 0.3,
    },
    seed: parseSeed({
      accountId: '1234567890123456',
      roles: ['EcsAppRole', 'EcsPaymentsRole', 'EcsBuildAgentRole'].map((name) => ({
        name,
        trustsEcs: true,
      })),
    }),
    steps: Array.from({ length: bursts }, (_, k) => {
      const { group, tags } = GROUPS[k % GROUPS.length] as (typeof GROUPS)[number];
      return {
        at: k * every,
        launch: {
          group,
          region: 'cn-hangzhou',
          count: BURST.burstSize,
          tags: { ...tags },
          burstSize: 100,
          burstEverySeconds: 1,
        },
      };
    }),
    expect: { converged: true, deadLetters: [], repairedBySweep: [] },
  };
}

export interface BurstFigures {
  shape: Shape;
  result: RunResult;
  /** Seconds from the start until the last instance got its role (NaN if some never did). */
  convergedAfter: number;
  lowerBound: number;
  busiestAction: string;
  ecsCallsPerInstance: number;
  attached: number;
  deadLettered: number;
  lost: number;
}

export interface BurstOptions {
  /** Built code to run in place of the attach-role function (the naive baseline's code directory). */
  attachRoleCodeDir?: string;
}

export async function runBurst(
  shape: Shape,
  timeLimitSeconds: number,
  options: BurstOptions = {},
): Promise<BurstFigures> {
  const scenario = burstScenario(timeLimitSeconds);
  let startedAt = 0;
  let lastLaunchAt = 0;
  let lastRoleAt = 0;
  const result = await runScenario(scenario, {
    shape,
    keepOpen: true,
    ...(options.attachRoleCodeDir === undefined
      ? {}
      : { codeDirs: { 'attach-role': options.attachRoleCodeDir } }),
    onStarted: () => {
      startedAt = Date.now();
    },
  });
  const sandbox = result.sandbox;
  if (sandbox === undefined) throw new Error('the sandbox was not kept open');
  // A function that never starts would read as a baseline that converges "never": say what happened instead.
  const notStarted = sandbox.fc.invocations.filter((i) => i.errorType === 'InitializationError');
  if (notStarted.length > 0) {
    await sandbox.close();
    throw new Error(
      `attach-role did not start in ${notStarted.length} invocations: ${notStarted[0]?.errorMessage ?? ''}`,
    );
  }
  const instances = sandbox.ecs.state.instances();
  for (const i of instances) {
    if (i.launchedAt !== null) lastLaunchAt = Math.max(lastLaunchAt, i.launchedAt);
    if (i.firstRoleAt !== null) lastRoleAt = Math.max(lastRoleAt, i.firstRoleAt);
  }
  const ok = (r: { code?: string; service: string }) =>
    r.service === 'ecs' && !r.code?.startsWith('Throttling');
  const byAction: Record<string, number> = {};
  for (const r of sandbox.calls.records) if (ok(r)) byAction[r.action] = (byAction[r.action] ?? 0) + 1;
  const [busiestAction, busiest] = Object.entries(byAction).sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
  const withRole = instances.filter((i) => i.role !== null).length;
  const wrong = result.verdicts.filter((v) => !v.ok).length;
  await sandbox.close();
  const ecsCalls = Object.values(result.ecsCalls).reduce((a, b) => a + b, 0);
  return {
    shape,
    result,
    convergedAfter: withRole === instances.length ? (lastRoleAt - startedAt) / 1000 : Number.NaN,
    lowerBound: Math.max((lastLaunchAt - startedAt) / 1000, busiest / BURST.ratePerSecond),
    busiestAction,
    ecsCallsPerInstance: ecsCalls / instances.length,
    attached: withRole,
    deadLettered: result.verdicts.filter((v) => v.ok && v.because === 'dead-lettered').length,
    lost: wrong,
  };
}

/** Throttled calls among all ECS calls made (those throttled included). */
export function throttledShare(f: BurstFigures): number {
  const calls = Object.values(f.result.ecsCalls).reduce((a, b) => a + b, 0);
  return calls === 0 ? 0 : f.result.throttled / calls;
}
