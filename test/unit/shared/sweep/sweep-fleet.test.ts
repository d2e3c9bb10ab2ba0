import { describe, expect, it } from 'vitest';
import { Fleet } from '../../../../local/sweep-sim/fleet.js';
import { MemoryLease } from '../../../../local/sweep-sim/memory-lease.js';
import { VirtualTime } from '../../../../local/sweep-sim/virtual-time.js';
import { createAttachRoleHandler } from '../../../../shared/attach/attach-role-handler.js';
import { loadConfig } from '../../../../shared/config/config.js';
import type { DeadLetterRecord } from '../../../../shared/dead-letter/dead-letter-record.js';
import type { FunctionInvoker } from '../../../../shared/fc/function-invoker.js';
import { createLogger } from '../../../../shared/logging/logger.js';
import type { Policy } from '../../../../shared/policy/policy.js';
import type { SweepSummary } from '../../../../shared/sweep/sweep-handler.js';

const REGIONS = ['cn-hangzhou', 'cn-shanghai'];
const PER_REGION = 25_000;
const RATE = 20;

const policy: Policy = {
  version: 1,
  mode: 'enforce',
  onExistingRole: 'keep',
  reportConflicts: false,
  allowedRoles: ['EcsAppRole', 'EcsPaymentsRole', 'BrokenRole'],
  regions: REGIONS,
  rules: [
    {
      name: 'payments',
      when: { tags: { team: { kind: 'equals', value: 'payments' } } },
      effect: { kind: 'role', role: 'EcsPaymentsRole' },
    },
    {
      name: 'web',
      when: { tags: { app: { kind: 'equals', value: 'web' } } },
      effect: { kind: 'role', role: 'EcsAppRole' },
    },
    {
      name: 'broken',
      when: { tags: { app: { kind: 'equals', value: 'broken' } } },
      effect: { kind: 'role', role: 'BrokenRole' },
    },
  ],
};

type Kind = 'payments' | 'web' | 'untagged' | 'broken' | 'foreign' | 'correct';

/** A mixed fleet: most need a role, some have it, some cannot get it (the role does not trust ECS). */
function kindOf(k: number): Kind {
  if (k % 100 === 0) return 'correct';
  if (k % 50 === 9) return 'broken';
  const d = k % 10;
  if (d < 6) return 'payments';
  if (d < 8) return 'web';
  if (d === 8) return 'untagged';
  return 'foreign';
}

function buildFleet(time: VirtualTime): { fleet: Fleet; kinds: Map<string, Kind> } {
  const fleet = new Fleet(time, { ratePerSecond: RATE, latencyMs: 30 });
  fleet.refusedRoles.add('BrokenRole');
  const kinds = new Map<string, Kind>();
  for (const [r, region] of REGIONS.entries()) {
    for (let k = 0; k < PER_REGION; k++) {
      const id = `i-${r === 0 ? 'bp1' : 'uf6'}${String(k).padStart(17, '0')}`;
      const kind = kindOf(k);
      kinds.set(id, kind);
      const tags: Record<string, string> =
        kind === 'payments' || kind === 'correct' || kind === 'foreign'
          ? { team: 'payments' }
          : kind === 'web'
            ? { app: 'web' }
            : kind === 'broken'
              ? { app: 'broken' }
              : {};
      const role = kind === 'correct' ? 'EcsPaymentsRole' : kind === 'foreign' ? 'HandMadeRole' : null;
      fleet.add({ id, region, tags, role });
    }
  }
  return { fleet, kinds };
}

function harness(time: VirtualTime, fleet: Fleet) {
  const gateways = { event: 0, sweep: 0 };
  const records: DeadLetterRecord[] = [];
  const queued: Buffer[] = [];
  const lease = new MemoryLease();
  const invoker: FunctionInvoker = {
    invoke: async (_name, payload, options) => {
      expect(options.async).toBe(true);
      queued.push(payload);
      return { ok: true, status: 202, requestId: `async-${queued.length}` };
    },
  };
  const config = loadConfig({
    DEAD_LETTER_QUEUE: 'dlq',
    FC_REGION: 'cn-hangzhou',
    FC_ACCOUNT_ID: '1234567890123456',
    SWEEP_CALLS_PER_SECOND: String(RATE),
  });
  const handler = createAttachRoleHandler({
    config,
    policy,
    logger: createLogger({ level: 'silent' }),
    // The event path's ECS (shared, budgeted views in production) and the sweep's own (bare): counted apart.
    ecs: () => {
      gateways.event++;
      return fleet;
    },
    deadLetters: () => ({
      send: async (batch) => {
        records.push(...batch);
      },
    }),
    now: time.now,
    // The handler's own waits: the sweep takes them (coldStart injects a test's clock only there).
    sleep: time.sleep,
    random: () => 0.5,
    sweep: {
      lease: () => lease,
      invoker: () => invoker,
      ecs: () => {
        gateways.sweep++;
        return fleet;
      },
    },
  });
  let requests = 0;
  const invoke = (event: Buffer | string) =>
    time.run(
      handler(event, {
        requestId: `req-${++requests}`,
        function: { name: 'ecs-ram-role-attacher', timeout: 30 },
        region: 'cn-hangzhou',
        accountId: '1234567890123456',
      }),
    ) as Promise<SweepSummary>;
  return { records, queued, lease, invoke, gateways };
}

const timerEvent = JSON.stringify({
  triggerTime: '2026-11-29T04:00:00Z',
  triggerName: 'sweep',
  payload: '{"ram-role-attacher":"sweep"}',
});

describe('the sweep over 50,000 instances in two regions, every ECS action at 20 calls/s', () => {
  it('completes through continuation; each instance ends correct or dead-lettered exactly once', async () => {
    const time = new VirtualTime();
    const { fleet, kinds } = buildFleet(time);
    const h = harness(time, fleet);
    const startedAt = time.now();

    const first = await h.invoke(timerEvent);
    expect(first.sweep.state).toBe('continued');
    // A tick while the sweep runs (its lease is handed to the continuation) does nothing.
    const tick = await h.invoke(timerEvent);
    expect(tick.sweep.state).toBe('busy');
    const summaries: SweepSummary[] = [first];
    for (let n = 0; n < 100 && h.queued.length > 0; n++) {
      summaries.push(await h.invoke(h.queued.shift() as Buffer));
    }
    const last = summaries.at(-1);
    expect(last?.sweep.state).toBe('complete');
    expect(summaries.length).toBeGreaterThan(2);
    expect(h.lease.handle).toBeNull();
    // Only sweeps ran: every ECS gateway was the sweep's own, none the event path's shared, budgeted one.
    expect(h.gateways.event).toBe(0);
    expect(h.gateways.sweep).toBeGreaterThan(0);
    const elapsedMs = time.now() - startedAt;

    // Every instance: as the policy says, or dead-lettered exactly once (never both, never twice).
    const recordsById = new Map<string, number>();
    for (const r of h.records)
      if ('instanceId' in r && r.instanceId)
        recordsById.set(r.instanceId, (recordsById.get(r.instanceId) ?? 0) + 1);
    const wrong: string[] = [];
    for (const [id, kind] of kinds) {
      const role = fleet.instances.get(id)?.role;
      const dead = recordsById.get(id) ?? 0;
      const ok =
        kind === 'broken'
          ? dead === 1 && role === null
          : dead === 0 &&
            role ===
              {
                payments: 'EcsPaymentsRole',
                correct: 'EcsPaymentsRole',
                web: 'EcsAppRole',
                untagged: null,
                foreign: 'HandMadeRole',
              }[kind];
      if (!ok) wrong.push(`${id} ${kind} role=${role} records=${dead}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(
      h.records.every((r) => r.kind === 'attach-failed' && r.error.code === 'InvalidRamRole.NotEcsRole'),
    ).toBe(true);
    // No write twice, no call beyond the budget (never throttled), and the whole summary adds up.
    expect([...fleet.successfulAttaches.values()].every((n) => n === 1)).toBe(true);
    expect(fleet.throttled).toBe(0);
    const totals = Object.values(last?.sweep.regions ?? {}).reduce(
      (sum, c) => sum + Object.values(c).reduce((a, b) => a + (b ?? 0), 0),
      0,
    );
    expect(totals).toBe(2 * PER_REGION);

    // Within 1.2× the lower bound: the busiest action's calls ÷ its budget.
    const busiest = Math.max(
      fleet.count('DescribeInstances'),
      fleet.count('DescribeInstanceRamRole'),
      fleet.count('AttachInstanceRamRole'),
    );
    expect(elapsedMs / ((busiest / RATE) * 1000)).toBeLessThanOrEqual(1.2);
  }, 120_000);
});

/** A CMS state-change event for one instance, as the direct shape's triggers deliver it. */
const stateChange = (id: string, region: string) =>
  JSON.stringify({
    ver: '1.0',
    id: `evt-${id}`,
    product: 'ECS',
    level: 'INFO',
    name: 'Instance:StateChange',
    regionId: region,
    userId: '1234567890123456',
    resourceId: `acs:ecs:${region}:1234567890123456:instance/${id}`,
    eventTime: '20261129T120114.058+0800',
    content: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  });

describe('a sweep while events arrive', () => {
  it('writes no instance twice: the only extra calls are the role re-reads after a refused attach', async () => {
    const time = new VirtualTime();
    const fleet = new Fleet(time, { ratePerSecond: 1_000, latencyMs: 30 });
    const ids = Array.from({ length: 2_000 }, (_, k) => `i-bp1${String(k).padStart(17, '0')}`);
    for (const id of ids) fleet.add({ id, region: 'cn-hangzhou', tags: { team: 'payments' }, role: null });
    const h = harness(time, fleet);
    // Events for a tenth of the fleet, arriving while the sweep works through it.
    const evented = ids.filter((_, k) => k % 10 === 3);
    const events = evented.map(async (id, n) => {
      await time.sleep(5 + n * 7);
      return h.invoke(stateChange(id, 'cn-hangzhou'));
    });
    await time.run(Promise.all([h.invoke(timerEvent), ...events]));
    for (let n = 0; n < 20 && h.queued.length > 0; n++) await h.invoke(h.queued.shift() as Buffer);

    expect(ids.every((id) => fleet.instances.get(id)?.role === 'EcsPaymentsRole')).toBe(true);
    expect(h.records).toEqual([]);
    // Every instance written once, by whichever got there first; nothing detached.
    expect(ids.every((id) => fleet.successfulAttaches.get(id) === 1)).toBe(true);
    expect(fleet.count('DetachInstanceRamRole')).toBe(0);
    // Baseline reads: the sweep's 2 a page of 100 (40); an event names a brand-new instance, so it attaches
    // without reading first (cloud-facts ECS-34). Beyond them only re-reads after a write that found the role
    // already there (at most one per attach call that met one).
    const attaches = fleet.count('AttachInstanceRamRole');
    const rereads = fleet.count('DescribeInstanceRamRole') - 40;
    expect(rereads).toBeGreaterThanOrEqual(0);
    expect(rereads).toBeLessThanOrEqual(attaches);
  }, 60_000);
});

describe('a stale cursor', () => {
  it('restarts the region from its first page when ECS refuses the NextToken', async () => {
    const time = new VirtualTime();
    // ECS allows less than the sweep's budget here: it is throttled, and backs off.
    const fleet = new Fleet(time, { ratePerSecond: 2, latencyMs: 30 });
    for (let k = 0; k < 3_000; k++) {
      fleet.add({
        id: `i-bp1${String(k).padStart(17, '0')}`,
        region: 'cn-hangzhou',
        tags: { app: 'web' },
        role: null,
      });
    }
    const h = harness(time, fleet);
    const first = await h.invoke(timerEvent);
    expect(first.sweep.state).toBe('continued');
    expect(first.sweep.next?.nextToken).not.toBeNull();
    // Every token issued so far goes stale (e.g. it expired while the continuation waited).
    fleet.refuseTokensIssuedBefore = time.now();
    const summaries = [first];
    for (let n = 0; n < 50 && h.queued.length > 0; n++)
      summaries.push(await h.invoke(h.queued.shift() as Buffer));
    expect(summaries.at(-1)?.sweep.state).toBe('complete');
    expect([...fleet.instances.values()].every((i) => i.role === 'EcsAppRole')).toBe(true);
    // The restart re-lists the region, and finds the instances it already did already correct.
    expect(fleet.tokensRefused).toBe(1);
    expect(summaries[1]?.counts['already-correct']).toBeGreaterThan(0);
    expect(fleet.throttled).toBeGreaterThan(0);
  }, 60_000);
});
