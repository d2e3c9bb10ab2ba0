import { setTimeout as sleep } from 'node:timers/promises';
import { readDeadLetterMessage } from '../../shared/dead-letter/dead-letter-message.js';
import { recordInstanceIds } from '../../shared/dead-letter/dead-letter-record.js';
import { type RedriveReport, redrive } from '../../tools/redrive/redrive.js';
import type { Operator } from './operator.js';
import type { Sandbox } from './sandbox.js';
import { type ScenarioStep, type StepCondition, stepKind } from './scenario.js';

/** How often a waiting step looks at its condition again. */
const POLL_MS = 100;

export type StepState = 'waiting' | 'running' | 'done' | 'failed';

/** One scenario step as the run carried it out. */
export interface StepRun {
  readonly step: ScenarioStep;
  /** `step 4 (trust "fix-trust", after …)`, for reports (`describeStep`). */
  readonly description: string;
  state: StepState;
  error?: string;
}

export interface StepContext {
  sandbox: Sandbox;
  operator: Operator;
  /** Instances launched so far, by group (`seed`: the seeded ones). */
  groups: Map<string, { region: string; ids: string[] }[]>;
  redrives: RedriveReport[];
  /** Resolves true once the system has settled, false if the deadline came first. */
  settled: () => Promise<boolean>;
}

/**
 * Runs every step when its time has come and its `after` condition holds, each independently; resolves when all
 * have finished. Aborting `signal` (the time limit) stops every step still waiting (it is left `waiting`: not
 * run) and cuts short the ones that wait inside (a throttle's duration, the gaps between launch bursts).
 */
export function runSteps(
  steps: readonly ScenarioStep[],
  context: StepContext,
  startedAt: number,
  signal: AbortSignal,
): { runs: StepRun[]; finished: Promise<void> } {
  const runs: StepRun[] = steps.map((step, index) => ({
    step,
    description: describeStep(step, index),
    state: 'waiting',
  }));
  const finishedNames = new Set<string>();
  const launchesLeft = new Map<string, number>();
  for (const step of steps)
    if ('launch' in step) launchesLeft.set(step.launch.group, (launchesLeft.get(step.launch.group) ?? 0) + 1);
  const world: World = { context, finishedNames, launchesLeft };

  const finished = Promise.all(
    runs.map(async (run) => {
      try {
        await sleep(Math.max(0, startedAt + run.step.at * 1000 - Date.now()), undefined, { signal });
        await waitFor(run.step.after, world, signal);
        run.state = 'running';
        await perform(run.step, context, signal);
        run.state = 'done';
      } catch (error) {
        // Stopped by the time limit: left waiting (not run) or running (cut short), as the report says.
        if (signal.aborted) return;
        run.state = 'failed';
        run.error = error instanceof Error ? error.message : String(error);
      }
      if (run.step.name !== undefined) finishedNames.add(run.step.name);
      if ('launch' in run.step) {
        const group = run.step.launch.group;
        launchesLeft.set(group, (launchesLeft.get(group) ?? 1) - 1);
      }
    }),
  ).then(() => undefined);
  return { runs, finished };
}

interface World {
  context: StepContext;
  finishedNames: Set<string>;
  /** Launch steps not finished yet, by group: a group is complete at 0. */
  launchesLeft: Map<string, number>;
}

async function waitFor(after: StepCondition | undefined, world: World, signal: AbortSignal): Promise<void> {
  if (after === undefined) return;
  while (!holds(after, world)) await sleep(POLL_MS, undefined, { signal });
  if (after.settled && !(await world.context.settled())) signal.throwIfAborted();
}

/** Whether the condition's parts other than `settled` hold now. */
function holds(after: StepCondition, { context, finishedNames, launchesLeft }: World): boolean {
  if (after.step !== undefined && !finishedNames.has(after.step)) return false;
  const members = (group: string) => (context.groups.get(group) ?? []).flatMap(({ ids }) => ids);
  const complete = (group: string) => (launchesLeft.get(group) ?? 0) === 0;
  if (after.deadLetters !== undefined) {
    const { group, code, atLeast } = after.deadLetters;
    const sandbox = context.sandbox;
    const records = sandbox.mns
      .queue(sandbox.deployment.failures.retainedQueue)
      .peekAll()
      .flatMap((m) => {
        const message = readDeadLetterMessage(m.body);
        return message.kind === 'record' && (code === undefined || message.record.error.code === code)
          ? [message.record]
          : [];
      });
    if (group === undefined) {
      if (records.length < (atLeast ?? 1)) return false;
    } else {
      const lettered = new Set(records.flatMap(recordInstanceIds));
      const ids = members(group);
      if (!complete(group) || ids.length === 0 || !ids.every((id) => lettered.has(id))) return false;
    }
  }
  if (after.withRole !== undefined) {
    const { group, atLeast } = after.withRole;
    const ids = new Set(members(group));
    const withRole = context.sandbox.ecs.state
      .instances()
      .filter((i) => ids.has(i.id) && i.role !== null).length;
    if (
      atLeast === undefined ? !complete(group) || ids.size === 0 || withRole < ids.size : withRole < atLeast
    )
      return false;
  }
  return true;
}

async function perform(step: ScenarioStep, context: StepContext, signal: AbortSignal): Promise<void> {
  const { sandbox, operator, groups, redrives } = context;
  if ('launch' in step) {
    // RunInstances takes ≤ 100 a call: bursts of `burstSize`, `burstEverySeconds` apart from the first.
    const { group, region, count, tags, burstSize, burstEverySeconds } = step.launch;
    const first = Date.now();
    for (let k = 0; k * burstSize < count; k++) {
      await sleep(Math.max(0, first + k * burstEverySeconds * 1000 - Date.now()), undefined, { signal });
      const ids = await operator.runInstances(region, Math.min(burstSize, count - k * burstSize), tags);
      groups.set(group, [...(groups.get(group) ?? []), { region, ids }]);
    }
  } else if ('retag' in step) {
    const { group, count, set, remove } = step.retag;
    const members = (groups.get(group) ?? []).flatMap(({ region, ids }) => ids.map((id) => ({ region, id })));
    if (members.length === 0) throw new Error(`retag: group "${group}" has no instances (yet)`);
    const chosen = members.slice(0, count ?? members.length);
    for (const region of new Set(chosen.map((m) => m.region))) {
      const ids = chosen.filter((m) => m.region === region).map((m) => m.id);
      if (remove.length > 0) await operator.untag(region, ids, remove);
      if (Object.keys(set).length > 0) await operator.tag(region, ids, set);
    }
  } else if ('throttle' in step) {
    const { actions, ratePerSecond, burst, seconds } = step.throttle;
    const before = actions.map((action) => [action, sandbox.ecs.rateLimits.limitFor(action)] as const);
    for (const action of actions)
      sandbox.ecs.rateLimits.set(action, { ratePerSecond, burst: burst ?? ratePerSecond });
    try {
      await sleep(seconds * 1000, undefined, { signal });
    } finally {
      for (const [action, limit] of before) sandbox.ecs.rateLimits.set(action, limit);
    }
  } else if ('trust' in step) {
    sandbox.ecs.state.setRoleTrustsEcs(step.trust.role, step.trust.ecs);
  } else {
    const attachRole = sandbox.deployment.functions.find((f) => f.resource === 'attach-role');
    if (attachRole === undefined) throw new Error('redrive: s.yaml has no attach-role function');
    redrives.push(
      await redrive({
        mns: sandbox.mnsClient(),
        queue: sandbox.deployment.failures.retainedQueue,
        invoker: sandbox.invoker,
        functionName: attachRole.functionName,
        filter: {
          ...(step.redrive.code === undefined ? {} : { code: step.redrive.code }),
          ...(step.redrive.kind === undefined ? {} : { kind: step.redrive.kind }),
        },
        max: step.redrive.max,
        dryRun: false,
      }),
    );
  }
}

/** `step 9 (trust "fix-trust", at 9 s, after every instance of group builders is dead-lettered)`. */
export function describeStep(step: ScenarioStep, index: number): string {
  const parts = [
    `${stepKind(step)}${step.name === undefined ? '' : ` ${JSON.stringify(step.name)}`}`,
    ...(step.at > 0 || step.after === undefined ? [`at ${step.at} s`] : []),
    ...(step.after === undefined ? [] : [`after ${describeCondition(step.after)}`]),
  ];
  return `step ${index + 1} (${parts.join(', ')})`;
}

export function describeCondition(after: StepCondition): string {
  const parts: string[] = [];
  if (after.step !== undefined) parts.push(`step ${JSON.stringify(after.step)} has finished`);
  if (after.deadLetters !== undefined) {
    const { group, code, atLeast } = after.deadLetters;
    const withCode = code === undefined ? '' : ` with ${code}`;
    parts.push(
      group === undefined
        ? `${atLeast ?? 1} dead ${(atLeast ?? 1) === 1 ? 'letter' : 'letters'}${withCode} retained`
        : `every instance of group ${group} is dead-lettered${withCode}`,
    );
  }
  if (after.withRole !== undefined) {
    const { group, atLeast } = after.withRole;
    parts.push(
      atLeast === undefined
        ? `every instance of group ${group} holds a role`
        : `${atLeast} of group ${group} hold a role`,
    );
  }
  if (after.settled) parts.push('the system has settled');
  return parts.join(' and ');
}
