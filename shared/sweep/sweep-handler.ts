import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { AccountDirectory } from '../accounts/account-directory.js';
import { accessFor } from '../attach/account-access.js';
import type { InstanceOutcome, Outcome, Summary } from '../attach/outcomes.js';
import type { RunContext } from '../attach/run-context.js';
import type { Config } from '../config/config.js';
import type { CredentialProvider } from '../credentials/credentials.js';
import type { MemberCredentials } from '../credentials/member-credentials.js';
import type { DeadLetterSink } from '../dead-letter/dead-letter-sink.js';
import type { EcsGateway } from '../ecs/ecs-gateway.js';
import { RateLimitedEcsGateway } from '../ecs/rate-limited-gateway.js';
import { RateLimiter } from '../ecs/rate-limiter.js';
import { describeError } from '../errors/classify.js';
import type { FunctionInvoker } from '../fc/function-invoker.js';
import type { Logger } from '../logging/logger.js';
import type { HeldLease, LeaseHandle, LeaseOutcome } from '../mns/queue-lease.js';
import type { Policy } from '../policy/policy.js';
import type { Deadline } from '../retry/deadline.js';
import { OperationError } from '../retry/retry.js';
import {
  type AccountContext,
  type AccountCounts,
  addCounts,
  type RegionCounts,
  regionTotals,
  runSweep,
  type SweepTarget,
} from './sweep.js';
import { sweepAccounts } from './sweep-accounts.js';
import {
  continuationAccounts,
  type FailedAccount,
  MAX_SWEEP_ACCOUNTS,
  type SweepAccount,
  type SweepContinuation,
  type SweepCursor,
} from './sweep-cursor.js';
import type { SweepTrigger } from './sweep-event.js';

/** The sweep's lease (an MNS queue with one message, `shared/mns/queue-lease.ts`), behind a seam for tests. */
export interface SweepLeaseStore {
  /** Takes the lease if it is free now (no waiting: a sweep that holds it is running). */
  acquire(holdSeconds: number): Promise<LeaseOutcome>;
  /** Takes over the lease a continuation was handed; `null` if it is no longer ours. */
  adopt(handle: LeaseHandle, holdSeconds: number): Promise<HeldLease | null>;
}

export interface SweepDeps {
  config: Config;
  policy: Policy;
  ecs: (credential: CredentialProvider, accountId: string) => EcsGateway & { release?(): void };
  /** Many accounts (ACCOUNTS set): which accounts are configured, and their assumed credentials (the event path's). */
  accounts?: { directory: AccountDirectory; members: MemberCredentials };
  deadLetters: (credential: CredentialProvider, accountId: string, regionId: string) => DeadLetterSink;
  /** `undefined`: no lease queue configured (sweeps are not kept from overlapping). */
  lease: (credential: CredentialProvider, accountId: string, regionId: string) => SweepLeaseStore | undefined;
  /** FC's InvokeFunction, to continue a sweep asynchronously (`fc-invoker.ts`). */
  invoker: (credential: CredentialProvider, accountId: string, regionId: string) => FunctionInvoker;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SweepInvocation {
  trigger: Exclude<SweepTrigger, { kind: 'invalid' }>;
  credential: CredentialProvider;
  accountId: string;
  regionId: string;
  functionName: string;
  fcRequestId: string;
  timeoutSeconds: number;
  deadline: Deadline;
  hardStop: Deadline;
  log: Logger;
}

/** What a sweep invocation returns: this invocation's counts (the `Summary` shape, without per-instance rows). */
export interface SweepSummary extends Summary {
  sweep: {
    sweepId?: string;
    /** `busy`: another sweep holds the lease, this tick did nothing. */
    state: 'complete' | 'continued' | 'stopped' | 'busy';
    invocation?: number;
    pages?: number;
    /** Per region, summed over accounts: this invocation's, or the whole sweep's once complete. */
    regions?: RegionCounts;
    /** This invocation's counts per account and region. */
    accounts?: AccountCounts;
    /** Accounts not walked (their member role could not be assumed), this invocation's and the ones before. */
    failedAccounts?: FailedAccount[];
    /** The accounts could not be listed (the Resource Directory): nothing was swept. */
    error?: string;
    next?: SweepCursor;
  };
}

/** A sweep never chains more invocations than this (a bound, should listing stop making progress). */
export const MAX_SWEEP_INVOCATIONS = 1_000;
/** The lease outlasts an invocation FC kills at its timeout by this much. */
const LEASE_SPARE_SECONDS = 10;
/** Between handing the lease over and the continuation starting: FC's async queue, usually seconds. */
const HANDOFF_SPARE_SECONDS = 120;
/** Pages wait on the rate budget inside the concurrency limit: enough slots that no action waits on another. */
const SWEEP_CONCURRENCY = 16;

/**
 * One invocation of the sweep: take (or take over) the lease, sweep from the cursor until done or the deadline is
 * near, then hand the lease and the cursor to a new invocation of this function (FC async InvokeFunction) or
 * release the lease. A tick while another sweep holds the lease does nothing. The summary is logged; failures
 * are dead-lettered page by page, and a dead-letter queue that cannot be written fails the invocation (FC
 * retries it from its own cursor).
 */
export async function sweepInvocation(deps: SweepDeps, inv: SweepInvocation): Promise<SweepSummary> {
  const { log, trigger } = inv;
  const retry = {
    deadline: inv.deadline,
    maxAttempts: deps.config.retry.maxAttempts,
    backoff: { baseMs: deps.config.retry.baseMs, capMs: deps.config.retry.capMs },
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.random === undefined ? {} : { random: deps.random }),
  };
  const sweepId = trigger.kind === 'continue' ? trigger.continuation.cursor.sweepId : newSweepId(deps.now());
  const invocation = trigger.kind === 'continue' ? trigger.continuation.invocation : 1;
  const slog = log.child({ sweepId, invocation });

  const holdSeconds = Math.min(43_200, Math.ceil(inv.timeoutSeconds) + LEASE_SPARE_SECONDS);
  const store = deps.lease(inv.credential, inv.accountId, inv.regionId);
  let lease: HeldLease | undefined;
  if (store !== undefined) {
    const taken = await takeLease(
      store,
      trigger.kind === 'continue' ? trigger.continuation : undefined,
      holdSeconds,
    );
    if (taken.state === 'held') lease = taken;
    else if (taken.reason === 'timeout') {
      slog.info(
        { reason: trigger.kind === 'start' ? trigger.reason : 'continuation' },
        'another sweep holds the sweep lease: nothing to do (if none is running, the lease message is lost: npm run setup puts it back)',
      );
      return summary({ state: 'busy', sweepId }, {});
    }
  }

  let continuation: SweepContinuation;
  if (trigger.kind === 'continue') continuation = trigger.continuation;
  else {
    let accounts: SweepAccount[];
    try {
      accounts = await sweepAccounts({
        config: deps.config,
        policy: deps.policy,
        ownAccountId: inv.accountId,
        ownRegion: inv.regionId,
        directory: deps.accounts?.directory,
        caller: inv.credential,
        retry,
        log: slog,
      });
    } catch (error) {
      await lease?.release();
      const info = error instanceof OperationError ? error.info : describeError(error);
      slog.error(
        { code: info.code },
        `could not list the accounts to sweep (${info.message}): nothing swept; the next tick tries again`,
      );
      return summary({ state: 'stopped', sweepId, error: info.code }, {});
    }
    continuation = {
      kind: 'ram-role-attacher/sweep-continuation',
      version: 1,
      cursor: { sweepId, accountIndex: 0, regionIndex: 0, nextToken: null },
      accounts,
      invocation: 1,
    };
  }
  const { cursor } = continuation;
  const accounts = continuationAccounts(continuation, inv.accountId);
  if (accounts.every((a) => a.regions.length === 0)) {
    await lease?.release();
    slog.warn('no region to sweep (SWEEP_REGIONS, the policy and its accounts name none in common)');
    return summary({ state: 'complete', sweepId }, {});
  }

  const limiter = new RateLimiter({
    ratePerSecond: deps.config.sweep.callsPerSecond,
    now: deps.now,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  });
  const base: RunContext = {
    gateway: deps.ecs(inv.credential, inv.accountId),
    policy: deps.policy,
    deadline: inv.deadline,
    retry: {
      maxAttempts: deps.config.retry.maxAttempts,
      backoff: { baseMs: deps.config.retry.baseMs, capMs: deps.config.retry.capMs },
    },
    ecsLimit: pLimit(Math.max(SWEEP_CONCURRENCY, deps.config.ecs.concurrency)),
    newInstanceGraceMs: deps.config.newInstanceGraceMs,
    now: deps.now,
    fcRequestId: inv.fcRequestId,
    logger: slog,
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.random === undefined ? {} : { random: deps.random }),
  };
  // The event path's resolution (the same member-credential cache); each account's calls then take slots of its
  // own budget (a key space per account in the one limiter: ECS limits each account on its own).
  const access =
    deps.accounts === undefined
      ? undefined
      : accessFor({
          ...deps.accounts,
          caller: inv.credential,
          ownAccountId: inv.accountId,
          ecs: deps.ecs,
          own: base.gateway,
          requestId: inv.fcRequestId,
          timeoutSeconds: inv.timeoutSeconds,
          neededUntil: inv.hardStop.at,
          retry,
        });
  const contextFor = async (account: SweepTarget): Promise<AccountContext> => {
    const accountId = account.accountId ?? inv.accountId;
    const got = access === undefined ? undefined : await access(accountId);
    if (got !== undefined && got.kind !== 'gateway') return got;
    const gateway = got?.gateway ?? base.gateway;
    return {
      kind: 'ready',
      ctx: { ...base, gateway: new RateLimitedEcsGateway(gateway, limiter, inv.deadline, accountId) },
    };
  };

  const sink = deps.deadLetters(inv.credential, inv.accountId, inv.regionId);
  const startedAt = deps.now();
  let run: Awaited<ReturnType<typeof runSweep>>;
  try {
    run = await runSweep({
      accounts,
      contextFor,
      cursor,
      writes: true,
      log: slog,
      deadLetter: (records) => sink.send(records, inv.hardStop),
      onResults: (results) => logChanges(slog, results),
    });
  } catch (error) {
    // The dead-letter queue is down: fail, so FC retries this invocation; the lease is freed for that retry.
    await lease?.release();
    slog.error({ err: error }, 'sweep stopped: the dead-letter queue is unavailable');
    throw error;
  }

  const regions = regionTotals(run.counts);
  const totals = addCounts(continuation.counts ?? {}, regions);
  const failedAccounts = [...(continuation.failedAccounts ?? []), ...run.failedAccounts].slice(
    0,
    MAX_SWEEP_ACCOUNTS,
  );
  const logged = {
    sweepId,
    invocation,
    pages: run.pages,
    durationMs: deps.now() - startedAt,
    counts: regions,
    accounts: run.counts,
    ...(run.failedAccounts.length > 0 ? { failedAccounts: run.failedAccounts } : {}),
    ...(run.skipped.length > 0 ? { skippedRegions: run.skipped } : {}),
    ...(run.restarted.length > 0 ? { restartedRegions: run.restarted } : {}),
  };
  const reported = {
    sweepId,
    invocation,
    pages: run.pages,
    accounts: run.counts,
    ...(failedAccounts.length > 0 ? { failedAccounts } : {}),
  };
  if (run.next === null) {
    await lease?.release();
    slog.info(
      { ...logged, totals, ...(failedAccounts.length > 0 ? { failedAccounts } : {}) },
      failedAccounts.length > 0
        ? `sweep complete (${failedAccounts.length} of ${accounts.length} accounts not swept)`
        : 'sweep complete',
    );
    return summary({ state: 'complete', ...reported }, regions, totals);
  }
  if (invocation >= MAX_SWEEP_INVOCATIONS) {
    await lease?.release();
    slog.error({ ...logged, next: run.next }, `sweep stopped after ${MAX_SWEEP_INVOCATIONS} invocations`);
    return summary({ state: 'stopped', ...reported, next: run.next }, regions);
  }

  const handle = lease === undefined ? null : await lease.handOff(holdSeconds + HANDOFF_SPARE_SECONDS);
  const next: SweepContinuation = {
    kind: 'ram-role-attacher/sweep-continuation',
    version: 1,
    cursor: run.next,
    accounts,
    invocation: invocation + 1,
    counts: totals,
    ...(failedAccounts.length > 0 ? { failedAccounts } : {}),
    ...(handle === null ? {} : { lease: handle }),
  };
  const invoked = await deps
    .invoker(inv.credential, inv.accountId, inv.regionId)
    .invoke(inv.functionName, Buffer.from(JSON.stringify(next)), { async: true });
  if (!invoked.ok) {
    slog.error(
      { ...logged, next: run.next, code: invoked.error?.code ?? invoked.errorType, status: invoked.status },
      'could not continue the sweep (FC refused InvokeFunction); the next tick starts a new one once the lease frees itself',
    );
    return summary({ state: 'stopped', ...reported, next: run.next }, regions);
  }
  slog.info(
    { ...logged, next: run.next, fcRequestId: invoked.requestId },
    'sweep continues in a new invocation',
  );
  return summary({ state: 'continued', ...reported, next: run.next }, regions);
}

async function takeLease(
  store: SweepLeaseStore,
  continuation: SweepContinuation | undefined,
  holdSeconds: number,
): Promise<LeaseOutcome> {
  if (continuation?.lease !== undefined) {
    const adopted = await store.adopt(continuation.lease, holdSeconds);
    if (adopted !== null) return adopted;
    // Not ours any more: a duplicate delivery (the first took it), or FC retrying this invocation after it
    // released the lease, or the hold ran out. Only a free lease lets it go on.
  }
  return store.acquire(holdSeconds);
}

function summary(sweep: SweepSummary['sweep'], counts: RegionCounts, totals?: RegionCounts): SweepSummary {
  const flat: Partial<Record<Outcome, number>> = {};
  for (const perRegion of Object.values(counts)) {
    for (const [outcome, n] of Object.entries(perRegion) as [Outcome, number][])
      flat[outcome] = (flat[outcome] ?? 0) + n;
  }
  return { counts: flat, results: [], sweep: { ...sweep, regions: totals ?? counts } };
}

/** Changes and failures, one line each; instances already right are only counted. */
function logChanges(log: Logger, results: readonly InstanceOutcome[]): void {
  for (const r of results) {
    if (r.outcome === 'already-correct' || r.outcome === 'skipped' || r.outcome === 'no-rule') continue;
    log.info(r, `${r.instanceId}: ${r.outcome}`);
  }
}

function newSweepId(now: number): string {
  return `sweep-${new Date(now)
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}
