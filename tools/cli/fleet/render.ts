/** The text `plan` and `apply` print: the table of instances, the counts per action and per region. Pure. */
import type { Colours } from '../colour.js';
import { ACTIONS, type Action, type FleetReport, type FleetRow } from './fleet-report.js';

const HEADER = ['instance', 'region', 'current role', 'desired role', 'action'] as const;

function paint(action: Action, c: Colours): (text: string) => string {
  switch (action) {
    case 'attach':
      return c.green;
    case 'replace':
      return c.yellow;
    case 'error':
      return c.red;
    case 'skip':
    case 'none':
      return c.dim;
  }
}

const actionCell = (row: FleetRow): string =>
  row.reason === undefined ? row.action : `${row.action} (${row.reason})`;

/**
 * One line per instance, columns aligned; only the action is coloured, so the alignment holds. An account column
 * after the instance when the rows name accounts (a policy with `accounts:`).
 */
export function renderTable(rows: readonly FleetRow[], c: Colours): string {
  const withAccount = rows.some((r) => r.accountId !== null);
  const header: readonly string[] = withAccount ? [HEADER[0], 'account', ...HEADER.slice(1)] : HEADER;
  const cells = rows.map((r) => [
    r.instanceId,
    ...(withAccount ? [r.accountId ?? '-'] : []),
    r.regionId,
    r.currentRole ?? '-',
    r.desiredRole ?? '-',
    actionCell(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const pad = (row: readonly string[]) => row.slice(0, -1).map((cell, i) => cell.padEnd(widths[i] ?? 0));
  const lines = [c.bold([...pad(header), header[header.length - 1]].join('  '))];
  rows.forEach((row, i) => {
    const line = cells[i] ?? [];
    lines.push([...pad(line), paint(row.action, c)(line[line.length - 1] ?? '')].join('  '));
  });
  return lines.join('\n');
}

/** Words for each action's count: what a plan will do, what an apply did. */
const WORDS: Record<FleetReport['kind'], Record<Action, string>> = {
  plan: {
    attach: 'to attach',
    replace: 'to replace',
    none: 'unchanged',
    skip: 'skipped',
    error: 'unreadable',
  },
  apply: { attach: 'attached', replace: 'replaced', none: 'unchanged', skip: 'skipped', error: 'failed' },
};

/** `Plan: 3 to attach, 1 to replace, 5 unchanged, 2 skipped, 0 unreadable.` */
export function renderTotals(report: FleetReport, c: Colours): string {
  const words = WORDS[report.kind];
  const t = report.counts.total;
  const part = (a: Action) => {
    const text = `${t[a]} ${words[a]}`;
    return t[a] === 0 ? text : paint(a, c)(text);
  };
  const label = report.kind === 'plan' ? 'Plan' : 'Applied';
  return `${c.bold(`${label}:`)} ${ACTIONS.map(part).join(', ')}.`;
}

/** A small table: one row per region (then, with accounts, one per account), one column per action. */
export function renderRegionCounts(report: FleetReport, c: Colours): string {
  const regions = countsTable('region', report.counts.regions, c);
  return report.accounts.length === 0
    ? regions
    : `${regions}\n\n${countsTable('account', report.counts.accounts, c)}`;
}

function countsTable(label: string, counts: FleetReport['counts']['regions'], c: Colours): string {
  const header = [label, ...ACTIONS];
  const rows = Object.entries(counts).map(([key, n]) => [key, ...ACTIONS.map((a) => String(n[a]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [c.bold(line(header)), ...rows.map(line)].join('\n');
}

/** Each failed instance, regions that could not be listed and a walk cut short, one line each. */
export function renderProblems(report: FleetReport, c: Colours): string[] {
  const failed = report.instances.flatMap((r) =>
    r.error === undefined
      ? []
      : [
          `${r.instanceId} (${r.accountId === null ? '' : `${r.accountId} `}${r.regionId}): ${c.red(r.error.code)}: ${r.error.message}`,
        ],
  );
  const lines = failed.length === 0 ? [] : ['', ...failed];
  lines.push(
    ...report.unlistedRegions.map((r) =>
      c.red(
        `${r.accountId === null ? '' : `account ${r.accountId} `}${r.regionId}: could not list its instances (${r.code}); nothing there was looked at`,
      ),
    ),
    ...report.failedAccounts.map((a) =>
      c.red(
        `account ${a.accountId}: its member role could not be assumed (${a.code}); nothing there was looked at`,
      ),
    ),
  );
  if (report.incomplete) {
    lines.push(c.red('the walk stopped at its time limit before the end of the fleet; run it again'));
  }
  return lines;
}

/** Everything a person reads after a walk: the table (or "no instances"), the counts, the problems. */
export function renderReport(report: FleetReport, c: Colours): string {
  const parts =
    report.instances.length === 0
      ? [`no instances in ${report.regions.join(', ')}`]
      : [renderTable(report.instances, c)];
  parts.push('', renderRegionCounts(report, c), '', renderTotals(report, c));
  const problems = renderProblems(report, c);
  if (problems.length > 0) parts.push(...problems);
  return parts.join('\n');
}
