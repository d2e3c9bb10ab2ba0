/**
 * The chaos run (issue 9): a fleet across regions and roles, every instance announced by its event, delivered
 * in one of the two deployment shapes — `direct` (one invocation per event, many at once, as the EventBridge
 * triggers do) or `buffered` (the events as the MNS event stream hands them over, in batches) — to the real
 * handler, against the ECS emulator injecting random faults, with dead-letter records going to the MNS
 * emulator. It then checks the promises: every instance ends correct or dead-lettered exactly once, none ever
 * held a role the policy would not give it, and no dead-letter record is written twice.
 *
 * Each invocation runs on a virtual clock of its own (it moves only when the invocation waits), so retries and
 * deadlines cost no real time and do not depend on the machine's load; ECS calls and the faults' held answers
 * take real (short) time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import pLimit from 'p-limit';
import { coldStart, type InvocationClock } from '../../shared/attach/cold-start.js';
import type { InstanceOutcome, Outcome } from '../../shared/attach/outcomes.js';
import { chunk } from '../../shared/collections/chunk.js';
import type { DeadLetterRecord } from '../../shared/dead-letter/dead-letter-record.js';
import { type ChaosKind, type ChaosRates, EcsChaos, seededRandom } from '../ecs-emulator/index.js';
import { mnsSourceEvent } from '../eventbridge-emulator/mns-source-event.js';
import { startLocalStack } from '../local-stack.js';
import { parseSeed } from '../seed.js';

export type ChaosShape = 'direct' | 'buffered';

export interface ChaosRunOptions {
  shape: ChaosShape;
  instances: number;
  /** Per ECS action (`'*'`: every action). */
  rates: Readonly<Record<string, ChaosRates>>;
  seed?: number;
  /** Invocations at once in the direct shape (FC instances × instanceConcurrency). Default 16. */
  concurrency?: number;
  /** Events per batch in the buffered shape (the trigger's `batchSize`). Default 500. */
  batchSize?: number;
}

export interface ChaosFigures {
  shape: ChaosShape;
  instances: number;
  invocations: number;
  /** Faults the emulator injected, per kind (all actions). */
  faults: Partial<Record<ChaosKind, number>>;
  faultsTotal: number;
  ecsCalls: number;
  outcomes: Partial<Record<Outcome, number>>;
  /** Instances given a role by an AttachInstanceRamRole that ran, beyond the instances that needed one. */
  extraWrites: number;
  /** Dead-letter records in the queue. */
  records: number;
  /** Every broken promise found, in words; empty when all held. */
  violations: string[];
  wallMs: number;
}

const CHAOS_REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing'] as const;
const PREFIX: Record<(typeof CHAOS_REGIONS)[number], string> = {
  'cn-hangzhou': 'bp1',
  'cn-shanghai': 'uf6',
  'cn-beijing': '2ze',
};

/** Three roles by tag, and a tag that asks for a role the policy does not allow (refused, never attached). */
const POLICY = `version: 1
mode: enforce
onExistingRole: keep
allowedRoles: [EcsAppRole, EcsPaymentsRole, EcsBuildAgentRole]
rules:
  - name: payments
    when: { tags: { team: payments } }
    role: EcsPaymentsRole
  - name: role-from-tag
    when: { tags: { ram-role: { present: true } } }
    roleFromTag: ram-role
  - name: build
    when: { tags: { team: ci } }
    role: EcsBuildAgentRole
`;

/** Instance `n`'s tags and the role the policy gives it (null: none, it is refused). */
function groupOf(n: number): { tags: Record<string, string>; role: string | null } {
  const k = n % 10;
  if (k < 3) return { tags: { team: 'payments' }, role: 'EcsPaymentsRole' };
  if (k < 6) return { tags: { team: 'web', 'ram-role': 'EcsAppRole' }, role: 'EcsAppRole' };
  if (k < 9) return { tags: { team: 'ci' }, role: 'EcsBuildAgentRole' };
  return { tags: { team: 'ops', 'ram-role': 'AdminRole' }, role: null };
}

export interface ChaosInstance {
  id: string;
  region: string;
  tags: Record<string, string>;
  role: string | null;
}

export function chaosFleet(count: number): ChaosInstance[] {
  return Array.from({ length: count }, (_, n) => {
    const region = CHAOS_REGIONS[n % CHAOS_REGIONS.length] as (typeof CHAOS_REGIONS)[number];
    const { tags, role } = groupOf(n);
    return { id: `i-${PREFIX[region]}chaos${String(n).padStart(12, '0')}`, region, tags, role };
  });
}

/** The EventBridge event saying the instance reached Running (what the direct shape's trigger delivers). */
function runningEvent(accountId: string, instance: ChaosInstance, n: number) {
  return {
    id: `evt-chaos-${n}`,
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    subject: `acs:ecs:${instance.region}:${accountId}:instance/${instance.id}`,
    time: new Date().toISOString(),
    aliyunaccountid: accountId,
    aliyunregionid: instance.region,
    data: { resourceId: instance.id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  };
}

/**
 * A clock per invocation: `run` gives the invocation its own time, which moves only when it sleeps (and
 * yields, so that sleeping never starves the others).
 */
function invocationClocks(seed: number) {
  const store = new AsyncLocalStorage<{ now: number }>();
  const clock: InvocationClock = {
    now: () => store.getStore()?.now ?? Date.now(),
    sleep: async (ms) => {
      const time = store.getStore();
      if (time !== undefined) time.now += ms;
      await yieldToOthers();
    },
    random: seededRandom(seed),
  };
  const run = <T>(fn: () => Promise<T>): Promise<T> => store.run({ now: Date.now() }, fn);
  return { clock, run };
}

/**
 * Function settings for chaos: the default retries (their waits are virtual), and short timeouts, so that an
 * answer held back costs little real time. A loaded machine may time out an ordinary call too (the function
 * and the emulators share one process): one more transient fault, which changes no promise.
 */
const CHAOS_ENV = {
  ECS_CONNECT_TIMEOUT_MS: '400',
  ECS_READ_TIMEOUT_MS: '400',
  LOG_LEVEL: 'silent',
};
/** How long the emulator holds an answer that "never comes": past the function's timeouts above. */
const HOLD_MS = 450;

export async function runChaos(options: ChaosRunOptions): Promise<ChaosFigures> {
  const started = Date.now();
  const seed = options.seed ?? 9;
  const fleet = chaosFleet(options.instances);
  const stack = await startLocalStack({
    seed: parseSeed({
      accountId: '1234567890123456',
      roles: ['EcsAppRole', 'EcsPaymentsRole', 'EcsBuildAgentRole', 'AdminRole'].map((name) => ({
        name,
        trustsEcs: true,
      })),
      instances: fleet.map((i) => ({ id: i.id, region: i.region, tags: i.tags, role: null })),
    }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
  try {
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    const { clock, run } = invocationClocks(seed + 1);
    const handler = await coldStart(stack.env({ POLICY_FILE: policyFile, ...CHAOS_ENV }), {
      logDestination: { write: () => undefined },
      clock,
    });
    // Chaos starts after the cold start: it is the invocations that must survive it.
    stack.ecs.chaos = new EcsChaos({ seed, rates: options.rates, timeoutHoldMs: HOLD_MS });

    const events = fleet.map((instance, n) => runningEvent(stack.accountId, instance, n));
    const payloads =
      options.shape === 'direct'
        ? events.map((event) => JSON.stringify(event))
        : chunk(events, options.batchSize ?? 500).map((batch, b) =>
            JSON.stringify(
              batch.map((event, i) =>
                mnsSourceEvent(
                  {
                    MessageId: `msg-${b}-${i}`,
                    MessageBody: JSON.stringify(event),
                    EnqueueTime: String(Date.now()),
                  } as Parameters<typeof mnsSourceEvent>[0],
                  {
                    region: 'cn-hangzhou',
                    accountId: stack.accountId,
                    queueName: 'ram-role-attacher-events',
                    isBase64Decode: false,
                  },
                ),
              ),
            ),
          );
    const limit = pLimit(options.shape === 'direct' ? (options.concurrency ?? 16) : 4);
    const results: InstanceOutcome[] = [];
    const failures: string[] = [];
    await Promise.all(
      payloads.map((payload) =>
        limit(async () => {
          try {
            const summary = await run(() =>
              handler(Buffer.from(payload), stack.context({ timeoutSeconds: 120 })),
            );
            results.push(...summary.results);
          } catch (error) {
            failures.push(error instanceof Error ? error.message : String(error));
          }
        }),
      ),
    );
    const chaos = stack.ecs.chaos;
    stack.ecs.chaos = undefined;

    const records = stack.deadLetters();
    const violations = [
      ...failures.slice(0, 5).map((f) => `an invocation failed: ${f}`),
      ...check(
        fleet,
        results,
        records,
        (id) => stack.ecs.state.rolesHeld(id),
        (id) => stack.ecs.state.instance(id)?.role ?? null,
      ),
    ];
    const faults: Partial<Record<ChaosKind, number>> = {};
    for (const counts of Object.values(chaos.injected)) {
      for (const [kind, n] of Object.entries(counts)) {
        faults[kind as ChaosKind] = (faults[kind as ChaosKind] ?? 0) + (n ?? 0);
      }
    }
    const outcomes: Partial<Record<Outcome, number>> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const ecsCalls = stack.calls.records.filter((r) => r.service === 'ecs');
    const written = ecsCalls
      .filter(
        (r) =>
          r.action === 'AttachInstanceRamRole' &&
          (r.status === 200 || r.code?.startsWith('chaos:Applied') === true),
      )
      .reduce((sum, r) => sum + (JSON.parse(r.params.InstanceIds ?? '[]') as unknown[]).length, 0);
    const needed = fleet.filter((i) => i.role !== null).length;
    return {
      shape: options.shape,
      instances: fleet.length,
      invocations: payloads.length,
      faults,
      faultsTotal: chaos.total(),
      ecsCalls: ecsCalls.length,
      outcomes,
      extraWrites: Math.max(0, written - needed),
      records: records.length,
      violations,
      wallMs: Date.now() - started,
    };
  } finally {
    stack.ecs.chaos = undefined;
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The promises, checked instance by instance. */
export function check(
  fleet: readonly ChaosInstance[],
  results: readonly InstanceOutcome[],
  records: readonly DeadLetterRecord[],
  rolesHeld: (id: string) => readonly string[],
  roleNow: (id: string) => string | null,
): string[] {
  const problems: string[] = [];
  const outcomes = new Map<string, InstanceOutcome[]>();
  for (const r of results) outcomes.set(r.instanceId, [...(outcomes.get(r.instanceId) ?? []), r]);
  const recordsOf = new Map<string, number>();
  for (const record of records) {
    const id = 'instanceId' in record ? record.instanceId : undefined;
    if (id === undefined) problems.push(`a record names no instance: kind ${record.kind}`);
    else recordsOf.set(id, (recordsOf.get(id) ?? 0) + 1);
  }
  for (const i of fleet) {
    const mine = outcomes.get(i.id) ?? [];
    const n = recordsOf.get(i.id) ?? 0;
    const held = rolesHeld(i.id);
    const wrong = held.filter((role) => role !== i.role);
    if (wrong.length > 0) problems.push(`${i.id} held ${wrong.join(', ')}, the policy gives it ${i.role}`);
    if (mine.length !== 1) {
      problems.push(`${i.id} has ${mine.length} outcomes`);
      continue;
    }
    const [outcome] = mine as [InstanceOutcome];
    if (outcome.outcome === 'dead-lettered') {
      if (n !== 1) problems.push(`${i.id} is dead-lettered with ${n} records`);
    } else {
      if (n !== 0) problems.push(`${i.id} is ${outcome.outcome} but has ${n} dead-letter records`);
      if (roleNow(i.id) !== i.role) {
        problems.push(
          `${i.id} is ${outcome.outcome} with role ${roleNow(i.id)}, the policy gives it ${i.role}`,
        );
      }
    }
  }
  return problems;
}
