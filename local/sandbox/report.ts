import { basename } from 'node:path';
import { formatTally } from './alert-tally.js';
import type { Progress, RunResult } from './run-scenario.js';
import type { Bound } from './scenario.js';

export interface Check {
  ok: boolean;
  text: string;
}

/** The scenario's expectations, checked against what happened. */
export function checkExpectations(result: RunResult): Check[] {
  const { expect } = result.scenario;
  const checks: Check[] = [
    stepsCheck(result),
    {
      ok: !result.timedOut,
      text: `settled within ${result.scenario.timeLimitSeconds} s (took ${result.settledAfterSeconds.toFixed(1)} s)`,
    },
  ];
  if (expect.converged) {
    const wrong = result.verdicts.filter((v) => !v.ok);
    checks.push({
      ok: wrong.length === 0,
      text:
        wrong.length === 0
          ? `converged (${basename(result.policyFile)}): all ${result.verdicts.length} instances hold the role the policy gives them, keep one by policy, or are dead-lettered`
          : `converged (${basename(result.policyFile)}): ${wrong.length} of ${result.verdicts.length} instances are wrong, e.g. ${wrong
              .slice(0, 3)
              .map((v) => `${v.instanceId} ${v.because}`)
              .join('; ')}`,
    });
  }
  checks.push({
    ok: result.deadLetters.unreadable === 0,
    text: `every dead-letter message is readable (${result.deadLetters.unreadable} unreadable)`,
  });
  for (const { code, min } of expect.deadLetters) {
    const got = result.deadLetters.byCode[code] ?? 0;
    checks.push({ ok: got >= min, text: `dead letters with ${code}: ≥ ${min} (got ${got})` });
  }
  const bounded = (label: string, bound: Bound | undefined, value: number) => {
    if (bound === undefined) return;
    const ok =
      (bound.min === undefined || value >= bound.min) && (bound.max === undefined || value <= bound.max);
    const range = [
      bound.min === undefined ? '' : `≥ ${bound.min}`,
      bound.max === undefined ? '' : `≤ ${bound.max}`,
    ]
      .filter(Boolean)
      .join(' and ');
    checks.push({ ok, text: `${label}: ${range} (got ${Number.isFinite(value) ? round(value) : 'none'})` });
  };
  bounded('conflicts', expect.conflicts, result.outcomes.conflict ?? 0);
  bounded('refused', expect.refused, result.outcomes.refused ?? 0);
  bounded('throttled ECS calls', expect.throttledCalls, result.throttled);
  bounded('launch-to-role p95 (s)', expect.latencyP95Seconds, result.latency.p95);
  bounded('alerts delivered (format and signature checked)', expect.alertsDelivered, result.alerts.verified);
  const perGroup = expect.alertsPerGroupPerTarget;
  if (perGroup !== undefined) {
    const { min, max } = result.alerts.tally.perGroupPerTarget;
    const range = [
      perGroup.min === undefined ? '' : `≥ ${perGroup.min}`,
      perGroup.max === undefined ? '' : `≤ ${perGroup.max}`,
    ]
      .filter(Boolean)
      .join(' and ');
    checks.push({
      ok:
        result.alerts.tally.groups > 0 &&
        (perGroup.min === undefined || min >= perGroup.min) &&
        (perGroup.max === undefined || max <= perGroup.max),
      text: `alerts per group per target, every group at every target: ${range} (got ${
        result.alerts.tally.groups === 0 ? 'no alerts' : min === max ? `${max}` : `${min}–${max}`
      } for ${result.alerts.tally.groups} groups)`,
    });
  }
  bounded(
    'failures fixed by redrive',
    expect.redriveFixed,
    result.redrives.reduce((n, r) => n + r.fixed, 0),
  );
  checks.push(...repairChecks(result));
  checks.push({
    ok: result.alerts.problems.length === 0,
    text:
      result.alerts.problems.length === 0
        ? 'every alert passed its target’s format and signature checks'
        : `${result.alerts.problems.length} alerts failed their checks, e.g. ${result.alerts.problems[0]}`,
  });
  return checks;
}

/** Each group of `repairedBySweep`: every instance of it was repaired by a sweep step. */
function repairChecks({ scenario, groups, sweeps }: RunResult): Check[] {
  const repaired = new Set(sweeps.flatMap((s) => s.repaired));
  return scenario.expect.repairedBySweep.map((group) => {
    const ids = groups[group] ?? [];
    const missed = ids.filter((id) => !repaired.has(id));
    return {
      ok: ids.length > 0 && missed.length === 0,
      text:
        ids.length === 0
          ? `repaired by the sweep: group ${group} has no instances`
          : missed.length === 0
            ? `repaired by the sweep: all ${ids.length} of group ${group} lacked their role when a sweep started and held it when it completed`
            : `repaired by the sweep: ${missed.length} of ${ids.length} of group ${group} were not, e.g. ${missed.slice(0, 3).join(', ')}`,
    };
  });
}

/** Every step ran, or which did not before the time limit and which failed. */
function stepsCheck({ scenario, stepsNotRun, stepErrors }: RunResult): Check {
  const total = scenario.steps.length;
  if (stepsNotRun.length === 0 && stepErrors.length === 0)
    return { ok: true, text: `every step ran (${total})` };
  const parts = [
    stepsNotRun.length === 0
      ? ''
      : `${stepsNotRun.length} of ${total} steps did not run before the time limit: ${stepsNotRun.slice(0, 3).join('; ')}${stepsNotRun.length > 3 ? '; …' : ''}`,
    stepErrors.length === 0
      ? ''
      : `${stepErrors.length} of ${total} steps failed, e.g. ${stepErrors.slice(0, 2).join('; ')}`,
  ];
  return { ok: false, text: parts.filter(Boolean).join('; ') };
}

export function formatReport(result: RunResult, checks: readonly Check[]): string {
  const lines = [
    '',
    `Scenario "${result.scenario.name}" (${result.shape} shape): ${result.instances} instances in ${result.regions.join(', ')}, settled after ${result.settledAfterSeconds.toFixed(1)} s`,
    '',
    `Outcomes (summed over ${result.invocations.total} invocations): ${list(result.outcomes)}`,
    `ECS calls: ${list(result.ecsCalls)}; throttled: ${result.throttled}`,
    `FC: ${result.invocations.total} invocations, ${result.invocations.failed} failed, ${result.invocations.coldStarts} cold starts, ${result.invocations.asyncFailed} async events given up`,
    `Dead-letter queue depth: ${result.deadLetters.total} (${list(result.deadLetters.byCode) || 'none'}${
      result.deadLetters.fcFailureRecords
        ? `; FC onFailure records: ${result.deadLetters.fcFailureRecords}`
        : ''
    })${result.bufferDeadLetters ? `; buffer DLQ: ${result.bufferDeadLetters}` : ''}`,
    `Alerts delivered: ${result.alerts.verified} (${list(result.alerts.byTarget) || 'none'}); ${formatTally(result.alerts.tally)}`,
    ...result.redrives.map(
      (r, i) =>
        `Redrive ${i + 1}: scanned ${r.scanned} records (${r.instances.scanned} instances), replayed ${r.replayed} (${r.instances.replayed} instances) in ${r.invocations} invocations, ${r.fixed} fixed and deleted (${r.instances.fixed} instances), ${r.stillFailing} still failing (${r.instances.stillFailing} instances)`,
    ),
    ...(result.accounts.length > 1
      ? [
          `Accounts: ${result.accounts
            .map(
              (a) =>
                `${a.accountId}${a.central ? ' (central)' : ''} ${a.withRole}/${a.instances} with a role`,
            )
            .join(', ')}${
            result.routes === undefined
              ? ''
              : `; member events routed to the central bus: ${result.routes.routed} (not routed: ${result.routes.notRouted})`
          }`,
        ]
      : []),
    ...(result.eventsDropped > 0
      ? [`Events lost on the way to EventBridge (dropEvents): ${result.eventsDropped}`]
      : []),
    ...result.sweeps.map(
      (s, i) =>
        `Sweep ${i + 1} (step ${s.step}, ${s.policyFile}): ${s.report.invocations} ${s.report.invocations === 1 ? 'invocation' : 'invocations'}; ${
          Object.entries(s.report.totals)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([region, counts]) => `${region}: ${list(counts) || 'no instances'}`)
            .join('; ') || 'nothing swept'
        }; repaired ${s.repaired.length} instances`,
    ),
    result.latency.count === 0
      ? 'Launch-to-role latency: no launched instance got a role'
      : `Launch-to-role latency (${result.latency.count} instances${
          result.latency.sweptFirst > 0
            ? `; ${result.latency.sweptFirst} more got their first role from a sweep`
            : ''
        }): p50 ${round(result.latency.p50)} s, p95 ${round(result.latency.p95)} s, max ${round(result.latency.max)} s`,
    '',
    'Expectations:',
    ...checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.text}`),
  ];
  if (checks.some((c) => !c.ok) && result.notes.length > 0) {
    lines.push('', 'Last FC emulator notes:', ...result.notes.slice(-5).map((n) => `  ${n}`));
  }
  return `${lines.join('\n')}\n`;
}

/** One part of the progress line: a shorter form for narrow terminals, and its rank (0 is kept longest). */
interface Segment {
  long: string;
  short: string;
  rank: number;
}

/**
 * The live progress line, at most `width - 1` characters (writing the last column makes some terminals wrap):
 * the long labels when they fit, else the short ones, else as many parts as fit, the least important dropped
 * first.
 */
export function formatProgress(p: Progress, width = Number.POSITIVE_INFINITY): string {
  const failed = p.failedInvocations ? ` (${p.failedInvocations} failed)` : '';
  const throttled = p.throttled ? ` (${p.throttled} throttled)` : '';
  const segments: Segment[] = [
    {
      long: `${p.elapsedSeconds.toFixed(1).padStart(5)} s`,
      short: `${p.elapsedSeconds.toFixed(1)}s`,
      rank: 0,
    },
    { long: `steps ${p.stepsDone}/${p.steps}`, short: `steps ${p.stepsDone}/${p.steps}`, rank: 1 },
    { long: `launched ${p.launched}`, short: `launched ${p.launched}`, rank: 2 },
    { long: `with role ${p.withRole}`, short: `role ${p.withRole}`, rank: 3 },
    { long: `invocations ${p.invocations}${failed}`, short: `inv ${p.invocations}${failed}`, rank: 5 },
    { long: `ECS calls ${p.ecsCalls}${throttled}`, short: `ECS ${p.ecsCalls}${throttled}`, rank: 6 },
    { long: `DLQ ${p.deadLetters}`, short: `DLQ ${p.deadLetters}`, rank: 4 },
  ];
  const room = Math.max(1, width - 1);
  const full = segments.map((s) => s.long).join(' · ');
  if (full.length <= room) return full;
  for (let shown = segments.length; shown > 0; shown--) {
    const line = segments
      .filter((s) => s.rank < shown)
      .map((s) => s.short)
      .join(' · ');
    if (line.length <= room) return line;
  }
  const elapsed = segments[0]?.short ?? '';
  return elapsed.length <= room ? elapsed : `${elapsed.slice(0, room - 1)}…`;
}

/** Text broken at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current === '') current = word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

const round = (n: number) => (Math.round(n * 100) / 100).toString();
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
