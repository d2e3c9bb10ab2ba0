/**
 * What `plan` and `apply` report about the fleet: one row per instance (current role, desired role, action) and
 * the counts per action and per region. One schema defines the `--json` document; the type is inferred from it.
 */
import * as z from 'zod/mini';
import { type InstanceOutcome, OUTCOMES } from '../../../shared/attach/outcomes.js';

/** What happens (plan) or happened (apply) to an instance. */
export const ACTIONS = ['attach', 'replace', 'none', 'skip', 'error'] as const;
export type Action = (typeof ACTIONS)[number];

const count = z.number().check(z.int(), z.gte(0));
const actionCounts = z.object({
  attach: count,
  replace: count,
  none: count,
  skip: count,
  error: count,
});
export type ActionCounts = z.infer<typeof actionCounts>;

export const fleetRowSchema = z.object({
  instanceId: z.string(),
  regionId: z.string(),
  /** The account it is in; `null`: the credentials' own, unnamed (a single-account policy, no account id given). */
  accountId: z.nullable(z.string()),
  /** The role it has (plan: now; apply: before the write); `null`: none. */
  currentRole: z.nullable(z.string()),
  /** The role the policy gives it; `null` when no rule names one (no rule, a skip rule). */
  desiredRole: z.nullable(z.string()),
  action: z.enum(ACTIONS),
  /** The engine's outcome (README "Outcomes"), from which `action` follows. */
  outcome: z.enum(OUTCOMES),
  rule: z.optional(z.string()),
  /** Why `none`, `skip` or `error`, in words. */
  reason: z.optional(z.string()),
  error: z.optional(z.object({ code: z.string(), message: z.string() })),
});
export type FleetRow = z.infer<typeof fleetRowSchema>;

export const fleetReportSchema = z.object({
  kind: z.enum(['plan', 'apply']),
  version: z.literal(1),
  policy: z.string(),
  /** The accounts walked (`[]`: only the credentials' own, unnamed). */
  accounts: z.array(z.string()),
  /** Every region walked, in any account. */
  regions: z.array(z.string()),
  /** Sorted by account (in `accounts` order), then region (in `regions` order), then instance id. */
  instances: z.array(fleetRowSchema),
  /** Per region summed over accounts, and per account summed over regions. */
  counts: z.object({
    total: actionCounts,
    regions: z.record(z.string(), actionCounts),
    accounts: z.record(z.string(), actionCounts),
  }),
  /** attach + replace: what `--detailed-exitcode` goes by. */
  changes: count,
  /** Regions whose instances could not be listed (the walk skipped them), with ECS's code. */
  unlistedRegions: z.array(
    z.object({ accountId: z.nullable(z.string()), regionId: z.string(), code: z.string() }),
  ),
  /** Accounts not walked at all: their member role could not be assumed (STS's code). */
  failedAccounts: z.array(z.object({ accountId: z.string(), code: z.string() })),
  /** The walk stopped before the end (the CLI's time limit): the rest of the fleet was not looked at. */
  incomplete: z.boolean(),
});
export type FleetReport = z.infer<typeof fleetReportSchema>;

const SKIP_REASONS: Record<string, string> = {
  region: 'region outside the policy',
  'classic-network': 'classic network',
  deleted: 'deleted',
  'not-found': 'no longer exists',
};

/**
 * One instance's row, from the engine's outcome and the role read before it was decided (`currentRole`, what
 * the role read said; only `replace`'s outcome carries it itself). Pure.
 */
export function rowFor(
  outcome: InstanceOutcome,
  currentRole: string | null,
  accountId: string | null = null,
): FleetRow {
  const { instanceId, regionId, rule } = outcome;
  const base = {
    instanceId,
    regionId,
    accountId,
    outcome: outcome.outcome,
    ...(rule === undefined ? {} : { rule }),
  };
  const desiredRole = outcome.role ?? null;
  switch (outcome.outcome) {
    case 'would-attach':
    case 'attached':
      return { ...base, currentRole, desiredRole, action: 'attach' };
    case 'would-replace':
    case 'replaced':
      return { ...base, currentRole: outcome.previousRole ?? currentRole, desiredRole, action: 'replace' };
    case 'already-correct':
      return { ...base, currentRole, desiredRole, action: 'none' };
    case 'no-rule':
      return { ...base, currentRole, desiredRole: null, action: 'none', reason: 'no rule matches' };
    case 'conflict': {
      // The engine's reason says why (onExistingRole); the table has room for what happens.
      const held = outcome.previousRole ?? currentRole;
      return {
        ...base,
        currentRole: held,
        desiredRole,
        action: 'none',
        reason: `conflict: keeps ${held ?? 'its role'}`,
      };
    }
    case 'refused':
      return {
        ...base,
        currentRole,
        desiredRole,
        action: 'skip',
        reason: `refused: ${outcome.reason ?? 'the role is not in allowedRoles'}`,
      };
    case 'skipped': {
      const why = outcome.reason ?? 'skipped';
      const words = SKIP_REASONS[why] ?? why;
      return {
        ...base,
        currentRole,
        desiredRole: null,
        action: 'skip',
        reason: why === 'policy' ? `skip rule ${JSON.stringify(rule ?? '?')}` : words,
      };
    }
    case 'dead-lettered': {
      const error = outcome.error ?? { code: 'Unknown', message: 'failed' };
      // The SDK's messages start with the code again: keep the words after it.
      const message = error.message.startsWith(`${error.code}: `)
        ? error.message.slice(error.code.length + 2)
        : error.message;
      return {
        ...base,
        currentRole,
        desiredRole,
        action: 'error',
        reason: error.code,
        error: { code: error.code, message },
      };
    }
  }
}

export const zeroCounts = (): ActionCounts => ({ attach: 0, replace: 0, none: 0, skip: 0, error: 0 });

/** The report of one walk over `accounts` and their regions: rows sorted, counted per action, region, account. Pure. */
export function buildReport(input: {
  kind: FleetReport['kind'];
  policy: string;
  accounts: readonly { accountId?: string | undefined; regions: readonly string[] }[];
  rows: readonly FleetRow[];
  unlistedRegions: FleetReport['unlistedRegions'];
  failedAccounts?: FleetReport['failedAccounts'];
  incomplete: boolean;
}): FleetReport {
  const accounts = input.accounts.flatMap((a) => (a.accountId === undefined ? [] : [a.accountId]));
  const regionList = [...new Set(input.accounts.flatMap((a) => a.regions))];
  const accountOrder = new Map(accounts.map((a, i) => [a, i]));
  const order = new Map(regionList.map((r, i) => [r, i]));
  const rank = (map: Map<string, number>, key: string | null) =>
    key === null ? -1 : (map.get(key) ?? map.size);
  const instances = [...input.rows].sort(
    (a, b) =>
      rank(accountOrder, a.accountId) - rank(accountOrder, b.accountId) ||
      rank(order, a.regionId) - rank(order, b.regionId) ||
      (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0),
  );
  const total = zeroCounts();
  const regions: Record<string, ActionCounts> = {};
  const perAccount: Record<string, ActionCounts> = {};
  for (const regionId of regionList) regions[regionId] = zeroCounts();
  for (const accountId of accounts) perAccount[accountId] = zeroCounts();
  for (const row of instances) {
    total[row.action]++;
    const perRegion = regions[row.regionId] ?? zeroCounts();
    regions[row.regionId] = perRegion;
    perRegion[row.action]++;
    if (row.accountId !== null) {
      const counts = perAccount[row.accountId] ?? zeroCounts();
      perAccount[row.accountId] = counts;
      counts[row.action]++;
    }
  }
  return {
    kind: input.kind,
    version: 1,
    policy: input.policy,
    accounts,
    regions: regionList,
    instances,
    counts: { total, regions, accounts: perAccount },
    changes: total.attach + total.replace,
    unlistedRegions: [...input.unlistedRegions],
    failedAccounts: [...(input.failedAccounts ?? [])],
    incomplete: input.incomplete,
  };
}

/** Whether the walk looked at everything it was asked to and every instance could be read (or written). */
export const reportFailed = (report: FleetReport): boolean =>
  report.counts.total.error > 0 ||
  report.unlistedRegions.length > 0 ||
  report.failedAccounts.length > 0 ||
  report.incomplete;

/** `region/instance → action role` of each change, to compare what a plan showed with what apply did. */
export function changeKeys(report: FleetReport): Set<string> {
  return new Set(
    report.instances
      .filter((r) => r.action === 'attach' || r.action === 'replace')
      .map(
        (r) =>
          `${r.accountId === null ? '' : `${r.accountId}/`}${r.regionId}/${r.instanceId}: ${r.action} ${r.currentRole ?? '-'} → ${r.desiredRole ?? '-'}`,
      ),
  );
}

/** `apply --json`: the plan it showed, and what it then did (`null` when the plan had nothing to do or failed). */
export const applyDocumentSchema = z.object({
  plan: fleetReportSchema,
  apply: z.nullable(fleetReportSchema),
});
export type ApplyDocument = z.infer<typeof applyDocumentSchema>;
