import { describe, expect, it } from 'vitest';
import {
  type ChaosFigures,
  type ChaosInstance,
  chaosFleet,
  check,
  runChaos,
} from '../../../local/chaos/run-chaos.js';
import { TRANSIENT_KINDS } from '../../../local/ecs-emulator/chaos.js';
import type { InstanceOutcome } from '../../../shared/attach/outcomes.js';
import type { DeadLetterRecord } from '../../../shared/dead-letter/dead-letter-record.js';

/**
 * Chaos (issue 9): 20 % transient faults on every ECS action (throttling, 503, resets, timeouts, and writes
 * applied whose answer is lost) and 2 % permanent ones, across 3 regions and 3 roles. The buffered shape runs
 * the full 10,000 instances here; the direct shape (an invocation per instance, ~4 ECS calls each) runs 400, and
 * its 10,000 run is in `npm run bench`.
 */
const RATES = { '*': { transient: 0.2, permanent: 0.02 } };

function expectPromisesKept(f: ChaosFigures, instances: number) {
  expect(f.violations).toEqual([]);
  expect(Object.values(f.outcomes).reduce((a, b) => a + (b ?? 0), 0)).toBe(instances);
  // Every instance dead-lettered has its one record, and no record stands for an instance that was not.
  expect(f.records).toBe(f.outcomes['dead-lettered'] ?? 0);
  // The faults really happened, of every kind.
  for (const kind of [...TRANSIENT_KINDS, 'permanent' as const])
    expect(f.faults[kind] ?? 0).toBeGreaterThan(0);
  expect(f.faultsTotal / f.ecsCalls).toBeGreaterThan(0.15);
  // Most instances got their role in spite of it all (refused ones are a tenth of the fleet).
  expect(f.outcomes.attached ?? 0).toBeGreaterThan(instances * 0.6);
}

describe('chaos: every instance ends correct or dead-lettered exactly once, never with a wrong role', () => {
  it('buffered shape, 10,000 instances', { timeout: 120_000 }, async () => {
    const figures = await runChaos({ shape: 'buffered', instances: 10_000, rates: RATES, seed: 9 });
    expectPromisesKept(figures, 10_000);
    expect(figures.invocations).toBe(20);
  });

  it('direct shape, 400 instances', { timeout: 120_000 }, async () => {
    const figures = await runChaos({ shape: 'direct', instances: 400, rates: RATES, seed: 11 });
    expectPromisesKept(figures, 400);
    expect(figures.invocations).toBe(400);
  });
});

describe('the chaos checks catch each broken promise', () => {
  const fleet = chaosFleet(3);
  const [a, b, c] = fleet as [ChaosInstance, ChaosInstance, ChaosInstance];
  const outcome = (i: ChaosInstance, o: InstanceOutcome['outcome']): InstanceOutcome => ({
    instanceId: i.id,
    regionId: i.region,
    outcome: o,
  });
  const record = (i: ChaosInstance) =>
    ({ kind: 'attach-failed', instanceId: i.id, regionId: i.region }) as DeadLetterRecord;

  it('a role the policy would not give, an instance with no outcome, a record written twice', () => {
    const problems = check(
      fleet,
      [outcome(a, 'attached'), outcome(b, 'dead-lettered')],
      [record(b), record(b)],
      (id) => (id === a.id ? ['AdminRole', a.role as string] : []),
      (id) => (id === a.id ? a.role : null),
    );
    expect(problems).toEqual([
      `${a.id} held AdminRole, the policy gives it ${a.role}`,
      `${b.id} is dead-lettered with 2 records`,
      `${c.id} has 0 outcomes`,
    ]);
  });

  it('an outcome that says attached while the role is not there', () => {
    const problems = check(
      [a],
      [outcome(a, 'attached')],
      [],
      () => [],
      () => null,
    );
    expect(problems).toEqual([`${a.id} is attached with role null, the policy gives it ${a.role}`]);
  });
});
