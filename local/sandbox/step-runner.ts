import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpdateFunctionInput } from '@alicloud/fc20230330/dist/models/UpdateFunctionInput.js';
import { UpdateFunctionRequest } from '@alicloud/fc20230330/dist/models/UpdateFunctionRequest.js';
import { readDeadLetterMessage } from '../../shared/dead-letter/dead-letter-message.js';
import { recordInstanceIds } from '../../shared/dead-letter/dead-letter-record.js';
import { decide } from '../../shared/policy/decide.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { Policy } from '../../shared/policy/policy.js';
import { type RedriveReport, redrive } from '../../tools/redrive/redrive.js';
import { fcManagementClient } from './fc-management.js';
import { fleet, trustingRole } from './fleet.js';
import type { Observer, SweepReport } from './observer.js';
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

/** The policy the attach function runs with, and the file it came from. */
export interface DeployedPolicy {
  file: string;
  policy: Policy;
}

/** One sweep step: what it found and left, judged against the policy deployed then. */
export interface SweepRun {
  /** 1-based index of the step. */
  step: number;
  policyFile: string;
  report: SweepReport;
  /** Instances without the role their policy gives them when the sweep was started, holding it when it completed. */
  repaired: string[];
  /** Those of them that had never held a role before: their first role came from the sweep, not an event. */
  firstRoles: string[];
}

export interface StepContext {
  sandbox: Sandbox;
  /** The person driving the central account. */
  operator: Operator;
  /** The one driving that account (a member's; the central one's when undefined). */
  operatorFor(accountId: string | undefined): Operator;
  observer: Observer;
  /** The policy deployed now; a `deploy` step replaces it. */
  policy: DeployedPolicy;
  sweeps: SweepRun[];
  /** Groups whose events EventBridge loses (`dropEvents`). */
  droppedGroups: Set<string>;
  /** Instances launched so far, by group (`seed`: the seeded ones); `account` when not the central one. */
  groups: Map<string, GroupPart[]>;
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
  // Every waiting step listens for the time limit at once.
  setMaxListeners(Math.max(10, 2 * steps.length + 10), signal);
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
        await perform(run.step, runs.indexOf(run) + 1, context, signal);
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

/** Some instances of a group: launched together, in one region of one account. */
export interface GroupPart {
  region: string;
  ids: string[];
  /** A member account; the central one when absent. */
  account?: string;
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
    const withRole = fleet(context.sandbox).filter(
      ({ instance: i }) => ids.has(i.id) && i.role !== null,
    ).length;
    if (
      atLeast === undefined ? !complete(group) || ids.size === 0 || withRole < ids.size : withRole < atLeast
    )
      return false;
  }
  return true;
}

async function perform(
  step: ScenarioStep,
  index: number,
  context: StepContext,
  signal: AbortSignal,
): Promise<void> {
  const { sandbox, operator, groups, redrives } = context;
  if ('launch' in step) {
    // RunInstances takes ≤ 100 a call: bursts of `burstSize`, `burstEverySeconds` apart from the first.
    const { group, region, count, tags, burstSize, burstEverySeconds, account } = step.launch;
    const launcher = context.operatorFor(account);
    const first = Date.now();
    for (let k = 0; k * burstSize < count; k++) {
      await sleep(Math.max(0, first + k * burstEverySeconds * 1000 - Date.now()), undefined, { signal });
      // A group whose events are lost: its ids are known only from the answer, so events wait until then.
      const release = context.droppedGroups.has(group) ? sandbox.eventGate.hold() : () => {};
      try {
        const ids = await launcher.runInstances(region, Math.min(burstSize, count - k * burstSize), tags);
        if (context.droppedGroups.has(group)) sandbox.eventGate.lose(ids);
        groups.set(group, [
          ...(groups.get(group) ?? []),
          { region, ids, ...(account === undefined ? {} : { account }) },
        ]);
      } finally {
        release();
      }
    }
  } else if ('dropEvents' in step) {
    const { group } = step.dropEvents;
    context.droppedGroups.add(group);
    sandbox.eventGate.lose((groups.get(group) ?? []).flatMap(({ ids }) => ids));
  } else if ('detach' in step) {
    const { group, count, as } = step.detach;
    const ids = new Set((groups.get(group) ?? []).flatMap(({ ids }) => ids));
    const holding = sandbox.ecs.state
      .instances()
      .filter((i) => ids.has(i.id) && i.role !== null)
      .slice(0, count);
    if (holding.length === 0) throw new Error(`detach: no instance of group "${group}" holds a role`);
    const detached: { region: string; ids: string[] }[] = [];
    for (const region of new Set(holding.map((i) => i.region))) {
      const inRegion = holding.filter((i) => i.region === region).map((i) => i.id);
      detached.push({ region, ids: await operator.detachRoles(region, inRegion) });
    }
    if (as !== undefined) groups.set(as, detached);
  } else if ('deploy' in step) {
    context.policy = await deployPolicy(sandbox, step.deploy.policy);
  } else if ('sweep' in step) {
    context.sweeps.push(await runSweep(index, context, signal));
  } else if ('retag' in step) {
    const { group, count, set, remove } = step.retag;
    const members = (groups.get(group) ?? []).flatMap(({ region, ids, account }) =>
      ids.map((id) => ({ region, id, account })),
    );
    if (members.length === 0) throw new Error(`retag: group "${group}" has no instances (yet)`);
    const chosen = members.slice(0, count ?? members.length);
    for (const place of new Set(chosen.map((m) => `${m.account ?? ''}/${m.region}`))) {
      const inPlace = chosen.filter((m) => `${m.account ?? ''}/${m.region}` === place);
      const { region, account } = inPlace[0] as (typeof chosen)[number];
      const ids = inPlace.map((m) => m.id);
      const tagger = context.operatorFor(account);
      if (remove.length > 0) await tagger.untag(region, ids, remove);
      if (Object.keys(set).length > 0) await tagger.tag(region, ids, set);
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
    const { role, account, ecs, centralFunction } = step.trust;
    const state = account === undefined ? sandbox.ecs.state : sandbox.ecs.accounts.get(account);
    if (state === undefined) throw new Error(`trust: no account ${account}`);
    if (ecs !== undefined) state.setRoleTrustsEcs(role, ecs);
    if (centralFunction !== undefined) {
      // A member role that trusts the central attach function's role, or (false) another role of that account.
      const fnRole = attachFunction(sandbox).role;
      if (fnRole === undefined) throw new Error('trust: s.yaml gives the attach function no role');
      const principal = centralFunction ? fnRole : fnRole.replace(/:role\/.*$/, ':role/someone-else');
      state.ram.addRole({ name: role, trustPolicy: trustingRole(principal) });
    }
  } else {
    const attachRole = attachFunction(sandbox);
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

function attachFunction(sandbox: Sandbox) {
  const fn = sandbox.deployment.functions.find((f) => f.resource === 'attach-role');
  if (fn === undefined) throw new Error('s.yaml has no attach-role function');
  return fn;
}

/**
 * Redeploys the attach function with another policy, as `s deploy` would: UpdateFunction through the FC 3.0
 * API with the function's variables and the new POLICY_FILE. The policy is checked first, as `npm run build`
 * checks the bundled one.
 */
async function deployPolicy(sandbox: Sandbox, file: string): Promise<DeployedPolicy> {
  const { policy } = loadPolicy(readFileSync(file, 'utf8'), file);
  const fn = attachFunction(sandbox);
  await fcManagementClient(sandbox).updateFunction(
    fn.functionName,
    new UpdateFunctionRequest({
      body: new UpdateFunctionInput({ environmentVariables: { ...fn.environment, POLICY_FILE: file } }),
    }),
  );
  return { file, policy };
}

/** A released sweep lease is visible again a second later (`shared/mns/queue-lease.ts`), with some margin. */
const LEASE_RETURN_MS = 1_200;
/** How many times a sweep step tries again when another sweep (the timer's) holds the lease. */
const SWEEP_TRIES = 5;

/**
 * Invokes the attach function as its timer trigger does (FC's timer event, asynchronously) and waits until the
 * sweep it started is complete; notes which instances it repaired.
 */
async function runSweep(index: number, context: StepContext, signal: AbortSignal): Promise<SweepRun> {
  const { sandbox, observer, policy } = context;
  const fn = attachFunction(sandbox);
  for (let attempt = 1; attempt <= SWEEP_TRIES; attempt++) {
    const wrong = sandbox.ecs.state
      .instances()
      .filter((i) => i.status !== 'Deleted' && !holdsItsRole(policy.policy, sandbox.accountId, i));
    const wrongBefore = new Set(wrong.map((i) => i.id));
    const neverHeld = new Set(wrong.filter((i) => i.firstRoleAt === null).map((i) => i.id));
    const timerEvent = { triggerTime: new Date().toISOString(), triggerName: 'sweep', payload: '' };
    const answer = await sandbox.invoker.invoke(fn.functionName, Buffer.from(JSON.stringify(timerEvent)), {
      async: true,
    });
    if (!answer.ok || answer.requestId === undefined)
      throw new Error(
        `sweep: FC refused the invocation (${answer.error?.code ?? answer.errorType ?? answer.status})`,
      );
    const requestId = answer.requestId;
    for (;;) {
      const failed = sandbox.fc.asyncRequests.find(
        (r) => r.requestId === requestId && (r.status === 'failed' || r.status === 'expired'),
      );
      if (failed !== undefined) throw new Error(`sweep: the invocation ${requestId} ${failed.status}`);
      const seen = observer.sweepStartedBy(requestId);
      if (seen?.state === 'complete') {
        const repaired = sandbox.ecs.state
          .instances()
          .filter((i) => wrongBefore.has(i.id) && holdsItsRole(policy.policy, sandbox.accountId, i))
          .map((i) => i.id);
        return {
          step: index,
          policyFile: basename(policy.file),
          report: seen.report,
          repaired,
          firstRoles: repaired.filter((id) => neverHeld.has(id)),
        };
      }
      if (seen?.state === 'busy') break;
      await sleep(POLL_MS, undefined, { signal });
    }
    // Another sweep holds the lease (the timer's, or the last one's lease is not back yet: a released lease is
    // visible again a second later, MNS's shortest visibility): wait for it to end, then start ours.
    while (observer.sweepsRunning > 0) await sleep(POLL_MS, undefined, { signal });
    await sleep(LEASE_RETURN_MS, undefined, { signal });
  }
  throw new Error(`sweep: another sweep held the lease ${SWEEP_TRIES} times`);
}

/** The instance holds the role the policy gives its tags (an instance the policy gives none counts as holding it). */
function holdsItsRole(
  policy: Policy,
  accountId: string,
  instance: { id: string; region: string; tags: Record<string, string>; role: string | null },
): boolean {
  const decision = decide(policy, {
    instanceId: instance.id,
    regionId: instance.region,
    accountId,
    tags: instance.tags,
  });
  return decision.action !== 'attach' || instance.role === decision.role;
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
