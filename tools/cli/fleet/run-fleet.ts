/**
 * `plan` and `apply` run the fleet sweep's own engine (`runSweep` → `walkRegion` → `reconcileListed`) in this
 * process: the same paging (DescribeInstances by 100, roles by 50), decisions and writes, on the sweep's rate
 * limiter. `writes: false` is the plan (the policy runs as dry-run), `true` the apply.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { AccountAccess } from '../../../shared/attach/account-access.js';
import type { InstanceOutcome } from '../../../shared/attach/outcomes.js';
import type { RunContext } from '../../../shared/attach/run-context.js';
import { DEFAULT_SWEEP_CALLS_PER_SECOND } from '../../../shared/config/config.js';
import type { DeadLetterRecord } from '../../../shared/dead-letter/dead-letter-record.js';
import type {
  CallOptions,
  EcsGateway,
  InstancePage,
  InstanceState,
  RolePage,
  WriteResult,
} from '../../../shared/ecs/ecs-gateway.js';
import { RateLimitedEcsGateway } from '../../../shared/ecs/rate-limited-gateway.js';
import { RateLimiter } from '../../../shared/ecs/rate-limiter.js';
import { createLogger, type Logger } from '../../../shared/logging/logger.js';
import type { Policy } from '../../../shared/policy/policy.js';
import { Deadline } from '../../../shared/retry/deadline.js';
import { type AccountContext, OWN_ACCOUNT, runSweep, type SweepTarget } from '../../../shared/sweep/sweep.js';
import type { WalkedPage } from '../../../shared/sweep/walk-region.js';
import { buildReport, type FleetReport, type FleetRow, rowFor } from './fleet-report.js';

/** The engine's defaults for one invocation (README "Configuration"), which the CLI keeps. */
export const ECS_RETRY = { maxAttempts: 8, backoff: { baseMs: 200, capMs: 5_000 } };
const TIMEOUTS = { connectTimeoutMs: 2_000, readTimeoutMs: 10_000 };
/** As the sweep: enough slots that pages waiting on one action's budget never hold up another's. */
const CONCURRENCY = 16;
/**
 * A walk on an operator's machine has no FC timeout; this bounds it all the same (throttling is retried until
 * the deadline), and a fleet that needs longer is reported as incomplete rather than left hanging.
 */
export const CLI_TIME_LIMIT_MS = 6 * 60 * 60 * 1000;

export { DEFAULT_SWEEP_CALLS_PER_SECOND, TIMEOUTS as ECS_TIMEOUTS };

/** After each page: how far the walk is, for the progress line. */
export interface FleetProgress {
  /** The account × region being walked, counted over every account's regions. */
  regionIndex: number;
  regionCount: number;
  regionId: string;
  /** The account walked, when named. */
  accountId?: string;
  instances: number;
  changes: number;
  errors: number;
}

export interface FleetRunOptions {
  kind: FleetReport['kind'];
  policy: Policy;
  policyName: string;
  /** The accounts to walk, each with its regions (an unnamed one: the credentials' own account). */
  accounts: readonly SweepTarget[];
  /**
   * Each account's ECS, unlimited (the SDK gateway with its credentials: the operator's own, or assumed into its
   * member role), or why there is none; the sweep's rate limiter goes around it here, a key space per account.
   */
  access: (account: SweepTarget) => Promise<AccountAccess>;
  writes: boolean;
  callsPerSecond: number;
  /** Where apply's failures go; a throw stops the walk. Plan dead-letters nothing. */
  deadLetter?: (records: readonly DeadLetterRecord[], deadline: Deadline) => Promise<void>;
  onProgress?: (progress: FleetProgress) => void;
  /** A name for the run, in dead-letter records' `source` (`fcRequestId`, `eventId`). */
  runId?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** The engine's logs (retries, a region restarted); silent by default, the report says what matters. */
  log?: Logger;
}

export const newRunId = (kind: string, now: number): string =>
  `ram-role-attacher-${kind}-${new Date(now)
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}-${randomUUID().slice(0, 8)}`;

export async function runFleet(options: FleetRunOptions): Promise<FleetReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const runId = options.runId ?? newRunId(options.kind, now());
  const log = options.log ?? createLogger({ level: 'silent' });
  const deadline = new Deadline(now() + CLI_TIME_LIMIT_MS, now);
  const limiter = new RateLimiter({ ratePerSecond: options.callsPerSecond, now, sleep });
  const base: Omit<RunContext, 'gateway'> = {
    policy: options.policy,
    deadline,
    retry: ECS_RETRY,
    ecsLimit: pLimit(CONCURRENCY),
    newInstanceGraceMs: 0,
    now,
    fcRequestId: runId,
    logger: log,
    sleep,
    ...(options.random === undefined ? {} : { random: options.random }),
  };
  const reads = new Map<string, RoleReads>();
  const contextFor = async (account: SweepTarget): Promise<AccountContext> => {
    const access = await options.access(account);
    if (access.kind !== 'gateway') return access;
    const roles = new RoleReads(
      new RateLimitedEcsGateway(access.gateway, limiter, deadline, account.accountId),
    );
    reads.set(account.accountId ?? OWN_ACCOUNT, roles);
    return { kind: 'ready', ctx: { ...base, gateway: roles } };
  };
  // Progress counts account × region pairs, in walking order.
  const places = options.accounts.flatMap((a) =>
    a.regions.map((regionId) => `${a.accountId ?? OWN_ACCOUNT}/${regionId}`),
  );
  const rows: FleetRow[] = [];
  const seen = { instances: 0, changes: 0, errors: 0 };
  const onResults = (results: readonly InstanceOutcome[], page: WalkedPage) => {
    const accountKey = page.accountId ?? OWN_ACCOUNT;
    const roles = reads.get(accountKey);
    for (const result of results) {
      const row = rowFor(
        result,
        roles?.before(result.regionId, result.instanceId) ?? null,
        page.accountId ?? null,
      );
      rows.push(row);
      seen.instances++;
      if (row.action === 'attach' || row.action === 'replace') seen.changes++;
      if (row.action === 'error') seen.errors++;
    }
    options.onProgress?.({
      regionIndex: places.indexOf(`${accountKey}/${page.regionId}`),
      regionCount: places.length,
      regionId: page.regionId,
      ...(page.accountId === undefined ? {} : { accountId: page.accountId }),
      ...seen,
    });
  };
  const run = await runSweep({
    accounts: options.accounts,
    contextFor,
    cursor: { sweepId: runId, accountIndex: 0, regionIndex: 0, nextToken: null },
    writes: options.writes,
    log,
    deadLetter: async (records) => {
      if (options.writes) await options.deadLetter?.(records, deadline);
    },
    onResults,
  });
  return buildReport({
    kind: options.kind,
    policy: options.policyName,
    accounts: options.accounts,
    rows,
    unlistedRegions: run.skipped.map((r) => ({
      ...r,
      accountId: r.accountId === OWN_ACCOUNT ? null : r.accountId,
    })),
    failedAccounts: run.failedAccounts,
    incomplete: run.next !== null,
  });
}

/**
 * Remembers the first role read of each instance (what it had before this run wrote anything), which the
 * engine's outcomes carry only for a replace; the table shows it for every instance.
 */
class RoleReads implements EcsGateway {
  readonly #inner: EcsGateway;
  readonly #roles = new Map<string, string | null>();

  constructor(inner: EcsGateway) {
    this.#inner = inner;
  }

  before(regionId: string, instanceId: string): string | null {
    return this.#roles.get(`${regionId}/${instanceId}`) ?? null;
  }

  describeInstances(regionId: string, ids: readonly string[], o: CallOptions): Promise<InstanceState[]> {
    return this.#inner.describeInstances(regionId, ids, o);
  }

  listInstances(regionId: string, token: string | null, o: CallOptions): Promise<InstancePage> {
    return this.#inner.listInstances(regionId, token, o);
  }

  async describeInstanceRoles(
    regionId: string,
    ids: readonly string[],
    pageNumber: number,
    o: CallOptions,
  ): Promise<RolePage> {
    const page = await this.#inner.describeInstanceRoles(regionId, ids, pageNumber, o);
    for (const row of page.rows) {
      const key = `${regionId}/${row.instanceId}`;
      if (!this.#roles.has(key)) this.#roles.set(key, row.roleName);
    }
    return page;
  }

  attachRole(regionId: string, role: string, ids: readonly string[], o: CallOptions): Promise<WriteResult> {
    return this.#inner.attachRole(regionId, role, ids, o);
  }

  detachRole(regionId: string, role: string, ids: readonly string[], o: CallOptions): Promise<WriteResult> {
    return this.#inner.detachRole(regionId, role, ids, o);
  }
}
