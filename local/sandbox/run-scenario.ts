import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type DeadLetterMessage,
  readDeadLetterMessage,
} from '../../shared/dead-letter/dead-letter-message.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { RedriveReport } from '../../tools/redrive/redrive.js';
import type { RouteStats } from '../eventbridge-emulator/index.js';
import { type AlertTally, tallyAlerts } from './alert-tally.js';
import { fleet } from './fleet.js';
import { Observer } from './observer.js';
import { Operator } from './operator.js';
import { judge, type Verdict } from './oracle.js';
import { type Sandbox, type Shape, startSandbox } from './sandbox.js';
import type { Scenario } from './scenario.js';
import { type GroupPart, runSteps, type StepContext, type SweepRun } from './step-runner.js';

/** A snapshot of the run so far, for the live progress line. */
export interface Progress {
  elapsedSeconds: number;
  launched: number;
  withRole: number;
  invocations: number;
  failedInvocations: number;
  ecsCalls: number;
  throttled: number;
  deadLetters: number;
  stepsDone: number;
  steps: number;
}

export interface RunResult {
  scenario: Scenario;
  shape: Shape;
  settledAfterSeconds: number;
  timedOut: boolean;
  instances: number;
  regions: string[];
  outcomes: Record<string, number>;
  ecsCalls: Record<string, number>;
  throttled: number;
  invocations: {
    total: number;
    failed: number;
    coldStarts: number;
    asyncFailed: number;
    byFunction: Record<string, number>;
  };
  deadLetters: {
    total: number;
    byCode: Record<string, number>;
    fcFailureRecords: number;
    unreadable: number;
  };
  bufferDeadLetters: number;
  /**
   * Launch (RunInstances) to first role, seconds, for launched instances that got one through events (those whose
   * first role came from a sweep step are `sweptFirst`, not timed: their wait is the scenario's, not the system's).
   */
  latency: { count: number; p50: number; p95: number; max: number; sweptFirst: number };
  verdicts: Verdict[];
  notes: readonly string[];
  /** Steps that could not be carried out (e.g. a launch the API refused). */
  stepErrors: string[];
  /** Steps the time limit stopped: still waiting for their time or condition, or cut short while running. */
  stepsNotRun: string[];
  /** What the alert targets received, and how many messages each group got at each target. */
  alerts: {
    received: number;
    verified: number;
    byTarget: Record<string, number>;
    problems: string[];
    tally: AlertTally;
  };
  /** One report per redrive step. */
  redrives: RedriveReport[];
  /** One per sweep step: the sweep's counts per region and outcome, and the instances it repaired. */
  sweeps: SweepRun[];
  /** Instance ids by group (launched, `seed`, or named by a detach's `as`). */
  groups: Record<string, string[]>;
  /** Events EventBridge lost (`dropEvents`). */
  eventsDropped: number;
  /** Instances per account (the central one first) and how many of them hold a role. */
  accounts: { accountId: string; central: boolean; instances: number; withRole: number }[];
  /** Member events the member stacks' rules routed to the central bus, and those they did not (no members: absent). */
  routes?: RouteStats;
  /** The groups the webhook target was alerted about: account, kind and code of each (one entry per group). */
  alertGroups: { accountId?: string; kind: string; code: string }[];
  /** The policy deployed at the end, which `converged` is judged against (a `deploy` step changes it). */
  policyFile: string;
}

export interface RunOptions {
  shape: Shape;
  onProgress?: (progress: Progress) => void;
  /** Keep the sandbox running after the run (`--serve`): the caller closes it. */
  keepOpen?: boolean;
  onStarted?: (sandbox: Sandbox) => void;
  /** Built code to run instead of what s.yaml deploys, by s.yaml resource (`SandboxOptions.codeDirs`). */
  codeDirs?: Readonly<Record<string, string>>;
}

const DEFAULT_POLICY = resolve('dist/attach-role/policy.yaml');
/** No new call, invocation or event for this long (and nothing scheduled) means the system has settled. */
const QUIET_MS = 1_500;

/** Runs a scenario end to end against the sandbox and judges the end state. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions,
): Promise<RunResult & { sandbox?: Sandbox }> {
  const observer = new Observer();
  const sandbox = await startSandbox({
    seed: scenario.seed,
    ...(scenario.members === undefined || scenario.members.length === 0 ? {} : { members: scenario.members }),
    shape: options.shape,
    ...(options.codeDirs === undefined ? {} : { codeDirs: options.codeDirs }),
    ...(scenario.policy === undefined ? {} : { policyFile: scenario.policy }),
    timeScale: scenario.timeScale,
    maxInstances: scenario.fc.maxInstances,
    ecs: {
      latencyMs: scenario.ecs.latencyMs,
      rateLimit: scenario.ecs.rateLimit,
      pendingMs: scenario.ecs.pendingSeconds * 1000,
      startingMs: scenario.ecs.startingSeconds * 1000,
      visibilityLagMs: scenario.ecs.visibilityLagSeconds * 1000,
    },
    log: observer.onLog,
  });
  options.onStarted?.(sandbox);
  const operator = new Operator(sandbox.ecs.host, sandbox.operatorKey);
  const operators = new Map<string, Operator>();
  const operatorFor = (account: string | undefined): Operator => {
    if (account === undefined || account === sandbox.accountId) return operator;
    const known = operators.get(account) ?? new Operator(sandbox.ecs.host, sandbox.operatorKeyFor(account));
    operators.set(account, known);
    return known;
  };
  const initialRoles = new Map(
    [scenario.seed, ...(scenario.members ?? [])].flatMap((seed) => seed.instances.map((i) => [i.id, i.role])),
  );
  const redrives: RedriveReport[] = [];
  const groups = new Map<string, GroupPart[]>([
    ['seed', scenario.seed.instances.map((i) => ({ region: i.region, ids: [i.id] }))],
  ]);
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const deadline = started + scenario.timeLimitSeconds * 1000;
  // The time limit stops every step still waiting for its time or condition, and cuts the running ones short.
  const limit = new AbortController();
  const limitTimer = setTimeout(() => limit.abort(), deadline - Date.now());

  const policyFile = scenario.policy ?? DEFAULT_POLICY;
  const context: StepContext = {
    sandbox,
    operator,
    operatorFor,
    observer,
    groups,
    redrives,
    policy: { file: policyFile, policy: loadPolicy(readFileSync(policyFile, 'utf8'), policyFile).policy },
    sweeps: [],
    droppedGroups: new Set(),
    settled: () => settle(sandbox, deadline),
  };
  const { runs, finished } = runSteps(scenario.steps, context, started, limit.signal);

  const progress = (): Progress => ({
    elapsedSeconds: elapsed(),
    launched: fleet(sandbox).filter(({ instance: i }) => i.launchedAt !== null).length,
    withRole: fleet(sandbox).filter(({ instance: i }) => i.role !== null).length,
    invocations: sandbox.fc.invocations.length,
    failedInvocations: sandbox.fc.invocations.filter((i) => i.outcome !== 'ok').length,
    ecsCalls: sandbox.calls.records.filter((r) => r.service === 'ecs').length,
    throttled: throttledCalls(sandbox),
    deadLetters: sandbox.mns.queue(deadLetterQueue(sandbox)).size,
    stepsDone: runs.filter((r) => r.state === 'done' || r.state === 'failed').length,
    steps: runs.length,
  });
  const ticker = setInterval(() => options.onProgress?.(progress()), 250);

  let timedOut = false;
  try {
    await Promise.race([finished, once(limit.signal, 'abort')]);
    timedOut = !(await settle(sandbox, deadline));
  } finally {
    clearInterval(ticker);
    clearTimeout(limitTimer);
    limit.abort();
  }
  options.onProgress?.(progress());
  const settledAfterSeconds = elapsed();

  const messages = sandbox.mns
    .queue(deadLetterQueue(sandbox))
    .peekAll()
    .map((m) => readDeadLetterMessage(m.body));
  const { policy } = context.policy;
  const instances = fleet(sandbox).map(({ instance }) => instance);
  const result: RunResult = {
    scenario,
    shape: options.shape,
    settledAfterSeconds,
    timedOut,
    instances: instances.filter((i) => i.status !== 'Deleted').length,
    regions: [...new Set(instances.map((i) => i.region))].sort(),
    outcomes: observer.outcomes,
    ecsCalls: sandbox.calls.byAction('ecs'),
    throttled: throttledCalls(sandbox),
    invocations: {
      total: sandbox.fc.invocations.length,
      failed: sandbox.fc.invocations.filter((i) => i.outcome !== 'ok').length,
      coldStarts: sandbox.deployment.functions.reduce((n, f) => n + sandbox.fc.coldStarts(f.functionName), 0),
      asyncFailed: sandbox.fc.asyncRequests.filter((r) => r.status === 'failed' || r.status === 'expired')
        .length,
      byFunction: countBy(sandbox.fc.invocations.map((i) => i.function)),
    },
    deadLetters: summariseDeadLetters(messages),
    bufferDeadLetters: bufferDeadLetterDepth(sandbox),
    latency: launchToRole(instances, new Set(context.sweeps.flatMap((s) => s.firstRoles))),
    // Each account's instances, judged in that account (the policy may scope rules to accounts).
    verdicts: [...sandbox.ecs.accounts].flatMap(([accountId, state]) =>
      judge({
        policy,
        instances: state.instances(),
        roles: state.roles(),
        initialRoles,
        deadLetters: messages,
        accountId,
        region: sandbox.region,
      }),
    ),
    notes: observer.recentNotes(),
    stepErrors: runs.flatMap((r) => (r.state === 'failed' ? [`${r.description}: ${r.error}`] : [])),
    stepsNotRun: runs.flatMap((r) =>
      r.state === 'waiting' ? [r.description] : r.state === 'running' ? [`${r.description}, cut short`] : [],
    ),
    alerts: alertsReceived(sandbox),
    redrives,
    groups: Object.fromEntries([...groups].map(([name, parts]) => [name, parts.flatMap(({ ids }) => ids)])),
    sweeps: context.sweeps,
    eventsDropped: sandbox.eventGate.dropped,
    accounts: [...sandbox.ecs.accounts].map(([accountId, state]) => {
      const live = state.instances().filter((i) => i.status !== 'Deleted');
      return {
        accountId,
        central: accountId === sandbox.accountId,
        instances: live.length,
        withRole: live.filter((i) => i.role !== null).length,
      };
    }),
    ...(sandbox.eventBridge.stats().routes === undefined
      ? {}
      : { routes: sandbox.eventBridge.stats().routes }),
    alertGroups: webhookGroups(sandbox),
    policyFile: context.policy.file,
  };
  if (options.keepOpen) return { ...result, sandbox };
  await sandbox.close();
  return result;
}

/**
 * Waits until nothing is scheduled in ECS, no event is in flight in EventBridge, no async invocation is waiting
 * for a retry, and nothing new happened for a while; false if the deadline came first.
 */
async function settle(sandbox: Sandbox, deadline: number): Promise<boolean> {
  let fingerprint = '';
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const now = activity(sandbox);
    if (now !== fingerprint) {
      fingerprint = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= QUIET_MS && sandbox.ecs.pendingWork === 0) {
      const remaining = Math.max(100, deadline - Date.now());
      await withTimeout(
        Promise.all([sandbox.eventBridge.drain(), sandbox.fc.settled(remaining), sandbox.idle()]),
        remaining,
      );
      if (activity(sandbox) === fingerprint && bufferDepth(sandbox) === 0) return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** What changes while work is going on (not MNS polls: an idle event stream polls forever). */
function activity(sandbox: Sandbox): string {
  return [
    sandbox.calls.records.filter((r) => r.service !== 'mns').length,
    sandbox.fc.invocations.length,
    sandbox.fc.asyncRequests.length,
    sandbox.ecs.pendingWork,
    bufferDepth(sandbox),
  ].join('/');
}

function bufferDepth(sandbox: Sandbox): number {
  return sandbox.deployment.queueRules.reduce((n, rule) => n + sandbox.mns.queue(rule.queueName).size, 0);
}

function bufferDeadLetterDepth(sandbox: Sandbox): number {
  let n = 0;
  for (const fn of sandbox.deployment.functions) {
    for (const t of fn.triggers)
      if (t.kind === 'mns-stream' && t.deadLetterQueue) n += sandbox.mns.queue(t.deadLetterQueue.name).size;
  }
  return n;
}

/** The queue that retains failures for redrive (subscribed to the failure topic). */
function deadLetterQueue(sandbox: Sandbox): string {
  return sandbox.deployment.failures.retainedQueue;
}

function alertsReceived(sandbox: Sandbox): RunResult['alerts'] {
  const byTarget: Record<string, number> = {};
  const problems: string[] = [];
  let verified = 0;
  for (const alert of sandbox.alerts.received) {
    if (alert.verified) {
      verified++;
      byTarget[alert.target] = (byTarget[alert.target] ?? 0) + 1;
    } else {
      problems.push(`${alert.target}: ${alert.problems.join('; ')}`);
    }
  }
  return {
    received: sandbox.alerts.received.length,
    verified,
    byTarget,
    problems,
    tally: tallyAlerts(sandbox.alerts.received),
  };
}

/** Each group the generic webhook got (its body is the AlertGroup itself), once. */
function webhookGroups(sandbox: Sandbox): RunResult['alertGroups'] {
  const groups = new Map<string, RunResult['alertGroups'][number]>();
  for (const alert of sandbox.alerts.received) {
    if (alert.target !== 'webhook' || !alert.verified) continue;
    const group = (alert.body as { alert?: Record<string, unknown> } | undefined)?.alert;
    if (typeof group?.key !== 'string' || typeof group.kind !== 'string' || typeof group.code !== 'string')
      continue;
    groups.set(group.key, {
      ...(typeof group.accountId === 'string' ? { accountId: group.accountId } : {}),
      kind: group.kind,
      code: group.code,
    });
  }
  return [...groups.values()];
}

function throttledCalls(sandbox: Sandbox): number {
  return sandbox.calls.records.filter((r) => r.service === 'ecs' && r.code?.startsWith('Throttling')).length;
}

function summariseDeadLetters(messages: readonly DeadLetterMessage[]): RunResult['deadLetters'] {
  const byCode: Record<string, number> = {};
  let fcFailureRecords = 0;
  let unreadable = 0;
  for (const m of messages) {
    if (m.kind === 'record') byCode[m.record.error.code] = (byCode[m.record.error.code] ?? 0) + 1;
    else if (m.kind === 'fc-failure') fcFailureRecords++;
    else unreadable++;
  }
  return { total: messages.length, byCode, fcFailureRecords, unreadable };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function launchToRole(
  instances: readonly { id: string; launchedAt: number | null; firstRoleAt: number | null }[],
  sweptFirst: ReadonlySet<string>,
): RunResult['latency'] {
  const launchedWithRole = instances.filter((i) => i.launchedAt !== null && i.firstRoleAt !== null);
  const seconds = launchedWithRole
    .flatMap((i) =>
      i.launchedAt !== null && i.firstRoleAt !== null && !sweptFirst.has(i.id)
        ? [(i.firstRoleAt - i.launchedAt) / 1000]
        : [],
    )
    .sort((a, b) => a - b);
  return {
    sweptFirst: launchedWithRole.length - seconds.length,
    count: seconds.length,
    p50: percentile(seconds, 50),
    p95: percentile(seconds, 95),
    max: seconds.at(-1) ?? Number.NaN,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
