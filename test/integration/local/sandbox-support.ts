import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { type Check, checkExpectations } from '../../../local/sandbox/report.js';
import { type RunResult, runScenario } from '../../../local/sandbox/run-scenario.js';
import type { Shape } from '../../../local/sandbox/sandbox.js';
import { readScenario, type Scenario } from '../../../local/sandbox/scenario.js';
import { decide } from '../../../shared/policy/decide.js';
import { loadPolicy } from '../../../shared/policy/load-policy.js';

/**
 * The default scenario (local/scenarios/default.yaml) at a small scale: a fifth of the instances, half the time.
 * Every step (with what it waits for) and expectation is kept, so the test follows the scenario file when it
 * changes.
 */
export function smallDefaultScenario(): Scenario {
  const scenario = readScenario('local/scenarios/default.yaml');
  return {
    ...scenario,
    // A bound, not a target: a loaded machine (load 6–20 on 2 cores) needs about 45 s.
    timeLimitSeconds: 80,
    steps: scenario.steps.map((step) => {
      const at = step.at / 2;
      if ('launch' in step) {
        const count = Math.max(3, Math.ceil(step.launch.count / 5));
        return {
          ...step,
          at,
          launch: {
            ...step.launch,
            count,
            burstSize: Math.max(1, Math.ceil(count / 2)),
            burstEverySeconds: 0.5,
          },
        };
      }
      if ('retag' in step && step.retag.count !== undefined)
        return { ...step, at, retag: { ...step.retag, count: Math.ceil(step.retag.count / 5) } };
      if ('detach' in step && step.detach.count !== undefined)
        return { ...step, at, detach: { ...step.detach, count: Math.ceil(step.detach.count / 5) } };
      if ('throttle' in step)
        return { ...step, at, throttle: { ...step.throttle, seconds: step.throttle.seconds / 2 } };
      return { ...step, at };
    }),
    expect: {
      ...scenario.expect,
      deadLetters: scenario.expect.deadLetters.map((d) => ({ ...d, min: Math.max(1, Math.ceil(d.min / 5)) })),
      ...(scenario.expect.redriveFixed?.min === undefined
        ? {}
        : { redriveFixed: { min: Math.ceil(scenario.expect.redriveFixed.min / 5) } }),
    },
  };
}

export interface SmallRun {
  scenario: Scenario;
  result: RunResult;
  checks: Check[];
}

export async function runSmall(shape: Shape): Promise<SmallRun> {
  const scenario = smallDefaultScenario();
  const result = await runScenario(scenario, { shape });
  return { scenario, result, checks: checkExpectations(result) };
}

/** What both shapes must show for the default scenario, beyond its own expectations. */
export function expectDefaultScenarioHeld({ scenario, result, checks }: SmallRun): void {
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
  // Every launched instance whose tags call for a role (under the first policy or the one deployed later) got
  // one; those whose events were lost, and those the new policy gives a role, got their first from a sweep. Not
  // `outcomes.attached`: that is summed over invocations, and an event racing a replace attaches once more.
  expect(result.latency.count + result.latency.sweptFirst).toBe(launchedWithRole(scenario));
  expect(result.latency.sweptFirst).toBe(groupSize(result, 'lost-events') + groupSize(result, 'untagged'));
  expectSweepsRepaired(result);
  expectAccountsServed(scenario, result);
}

/**
 * The member accounts' part: their events reach the central function only through the member stack's routes;
 * account data's member role does not trust the function, so its instances are dead-lettered with STS's code and
 * alerted as one group of that account, then fixed and redriven; every member instance ends with its role.
 */
function expectAccountsServed(scenario: Scenario, result: RunResult): void {
  const members = scenario.members ?? [];
  expect(members).toHaveLength(2);
  expect(result.accounts.map((a) => a.accountId)).toEqual([
    scenario.seed.accountId,
    ...members.map((m) => m.accountId),
  ]);
  for (const account of result.accounts.filter((a) => !a.central)) {
    expect(account.instances).toBeGreaterThan(0);
    expect(account.withRole).toBe(account.instances);
  }
  expect(result.routes?.routed).toBeGreaterThan(0);
  const untrusting = scenario.steps.flatMap((s) =>
    'trust' in s && s.trust.centralFunction === true && s.trust.account !== undefined
      ? [s.trust.account]
      : [],
  );
  expect(untrusting).toHaveLength(1);
  expect(result.alertGroups.filter((g) => g.accountId === untrusting[0])).toEqual([
    { accountId: untrusting[0], kind: 'attach-failed', code: 'NoPermission' },
  ]);
  const memberRedrive = result.redrives[1];
  expect(memberRedrive?.instances.fixed).toBe(groupSize(result, 'data-payments'));
  expect(memberRedrive?.stillFailing).toBe(0);
  expect(result.deadLetters.byCode.NoPermission ?? 0).toBe(0);
}

const groupSize = (result: RunResult, group: string) => result.groups[group]?.length ?? 0;

/**
 * The sweep's part of the default scenario: the first sweep repairs the instances whose events were lost and
 * the roles detached by hand (nothing else did: they lacked their role when it started); the sweep after the
 * policy change gives the untagged instances their new role; each sweep's summary counts both regions.
 */
function expectSweepsRepaired(result: RunResult): void {
  expect(result.eventsDropped).toBeGreaterThan(0);
  const [first, second] = result.sweeps;
  expect(result.sweeps).toHaveLength(2);
  expect(first?.policyFile).toBe('default-policy.yaml');
  expect(second?.policyFile).toBe('default-policy-v2.yaml');
  const lost = result.groups['lost-events'] ?? [];
  const detached = result.groups['hand-detached'] ?? [];
  const untagged = result.groups.untagged ?? [];
  expect(lost.length).toBeGreaterThan(0);
  expect(detached.length).toBeGreaterThan(0);
  expect(new Set(first?.repaired)).toEqual(new Set([...lost, ...detached]));
  expect(new Set(second?.repaired)).toEqual(new Set(untagged));
  for (const sweep of [first, second]) {
    expect(Object.keys(sweep?.report.totals ?? {}).sort()).toEqual(['cn-hangzhou', 'cn-shanghai']);
  }
  const attached = (sweep: typeof first) =>
    Object.values(sweep?.report.totals ?? {}).reduce((n, counts) => n + (counts.attached ?? 0), 0);
  expect(attached(first)).toBe(lost.length + detached.length);
  expect(attached(second)).toBe(untagged.length);
  expect(result.policyFile.endsWith('default-policy-v2.yaml')).toBe(true);
}

/** How many instances the scenario launches with tags its policy, or a policy it deploys, gives a role to. */
function launchedWithRole(scenario: Scenario): number {
  if (scenario.policy === undefined) throw new Error('the default scenario names its policy');
  const files = [scenario.policy, ...scenario.steps.flatMap((s) => ('deploy' in s ? [s.deploy.policy] : []))];
  const policies = files.map((file) => loadPolicy(readFileSync(file, 'utf8'), file).policy);
  let count = 0;
  for (const step of scenario.steps) {
    if (!('launch' in step)) continue;
    const { region, tags = {} } = step.launch;
    const ref = { instanceId: 'i-launched', regionId: region, tags };
    if (policies.some((policy) => decide(policy, ref).action === 'attach')) count += step.launch.count;
  }
  return count;
}
