import { Fleet } from '../local/sweep-sim/fleet.js';
import { MemoryLease } from '../local/sweep-sim/memory-lease.js';
import { VirtualTime } from '../local/sweep-sim/virtual-time.js';
import { createAttachRoleHandler } from '../shared/attach/attach-role-handler.js';
import { loadConfig } from '../shared/config/config.js';
import { createLogger } from '../shared/logging/logger.js';
import type { Policy } from '../shared/policy/policy.js';
import type { SweepSummary } from '../shared/sweep/sweep-handler.js';

/** The sweep benchmark's fleet: two regions, three roles, most instances without theirs yet. */
export const SWEEP_BENCH = { instances: 50_000, regions: ['cn-hangzhou', 'cn-shanghai'], ratePerSecond: 20 };

export interface SweepFigures {
  callsPerInstance: number;
  byAction: Record<string, number>;
  /** Virtual time from the first tick to `sweep complete`, ms. */
  elapsedMs: number;
  /** The busiest action's calls ÷ its budget, ms. */
  lowerBoundMs: number;
  invocations: number;
  throttled: number;
}

const ROLES = ['EcsAppRole', 'EcsPaymentsRole', 'EcsBuildAgentRole'];
const policy: Policy = {
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ROLES,
  regions: SWEEP_BENCH.regions,
  rules: [{ name: 'from-tag', when: { tags: {} }, effect: { kind: 'role-from-tag', tagKey: 'ram-role' } }],
};

/**
 * The sweep over the fleet through the real handler (lease, rate budget, continuation), with every ECS action
 * limited to 20 calls/s per region and 30 ms a call, a 30 s function timeout (so it continues itself), on virtual time (`local/sweep-sim/`): seconds, not minutes.
 */
export async function sweepFigures(): Promise<SweepFigures> {
  const time = new VirtualTime();
  const fleet = new Fleet(time, { ratePerSecond: SWEEP_BENCH.ratePerSecond, latencyMs: 30 });
  const perRegion = SWEEP_BENCH.instances / SWEEP_BENCH.regions.length;
  for (const [r, region] of SWEEP_BENCH.regions.entries()) {
    for (let k = 0; k < perRegion; k++) {
      const role = ROLES[k % ROLES.length] ?? 'EcsAppRole';
      fleet.add({
        id: `i-${r === 0 ? 'bp1' : 'uf6'}${String(k).padStart(17, '0')}`,
        region,
        tags: { 'ram-role': role },
        role: k % 20 === 0 ? role : null,
      });
    }
  }
  const queued: Buffer[] = [];
  const lease = new MemoryLease();
  const handler = createAttachRoleHandler({
    config: loadConfig({
      DEAD_LETTER_QUEUE: 'dlq',
      FC_REGION: 'cn-hangzhou',
      FC_ACCOUNT_ID: '1234567890123456',
      SWEEP_CALLS_PER_SECOND: String(SWEEP_BENCH.ratePerSecond),
    }),
    policy,
    logger: createLogger({ level: 'silent' }),
    ecs: () => fleet,
    deadLetters: () => ({ send: async () => undefined }),
    now: time.now,
    sweep: {
      lease: () => lease,
      invoker: () => ({
        invoke: async (_name, payload) => {
          queued.push(payload);
          return { ok: true, status: 202 };
        },
      }),
      sleep: time.sleep,
      random: () => 0.5,
    },
  });
  let n = 0;
  const invoke = (event: Buffer | string) =>
    time.run(
      handler(event, {
        requestId: `bench-${++n}`,
        function: { name: 'ecs-ram-role-attacher', timeout: 30 },
        region: 'cn-hangzhou',
        accountId: '1234567890123456',
      }),
    ) as Promise<SweepSummary>;
  const startedAt = time.now();
  let last = await invoke('{"ram-role-attacher":"sweep"}');
  while (queued.length > 0 && n < 1_000) last = await invoke(queued.shift() as Buffer);
  if (last.sweep.state !== 'complete') throw new Error(`the sweep ended ${last.sweep.state}`);
  const byAction = Object.fromEntries(fleet.calls);
  const calls = Object.values(byAction).reduce((a, b) => a + b, 0);
  const busiest = Math.max(...Object.values(byAction));
  return {
    callsPerInstance: calls / SWEEP_BENCH.instances,
    byAction,
    elapsedMs: time.now() - startedAt,
    lowerBoundMs: (busiest / SWEEP_BENCH.ratePerSecond) * 1000,
    invocations: n,
    throttled: fleet.throttled,
  };
}
