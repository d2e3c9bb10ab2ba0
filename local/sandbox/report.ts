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
    {
      ok: result.stepErrors.length === 0,
      text:
        result.stepErrors.length === 0
          ? 'every step ran'
          : `${result.stepErrors.length} steps failed, e.g. ${result.stepErrors.slice(0, 2).join('; ')}`,
    },
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
          ? `converged: all ${result.verdicts.length} instances hold the role the policy gives them, keep one by policy, or are dead-lettered`
          : `converged: ${wrong.length} of ${result.verdicts.length} instances are wrong, e.g. ${wrong
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
  checks.push({
    ok: result.alerts.problems.length === 0,
    text:
      result.alerts.problems.length === 0
        ? 'every alert passed its target’s format and signature checks'
        : `${result.alerts.problems.length} alerts failed their checks, e.g. ${result.alerts.problems[0]}`,
  });
  return checks;
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
    result.latency.count === 0
      ? 'Launch-to-role latency: no launched instance got a role'
      : `Launch-to-role latency (${result.latency.count} instances): p50 ${round(result.latency.p50)} s, p95 ${round(result.latency.p95)} s, max ${round(result.latency.max)} s`,
    '',
    'Expectations:',
    ...checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.text}`),
  ];
  if (checks.some((c) => !c.ok) && result.notes.length > 0) {
    lines.push('', 'Last FC emulator notes:', ...result.notes.slice(-5).map((n) => `  ${n}`));
  }
  return `${lines.join('\n')}\n`;
}

export function formatProgress(p: Progress): string {
  return [
    `${p.elapsedSeconds.toFixed(1).padStart(5)} s`,
    `steps ${p.stepsDone}/${p.steps}`,
    `launched ${p.launched}`,
    `with role ${p.withRole}`,
    `invocations ${p.invocations}${p.failedInvocations ? ` (${p.failedInvocations} failed)` : ''}`,
    `ECS calls ${p.ecsCalls}${p.throttled ? ` (${p.throttled} throttled)` : ''}`,
    `DLQ ${p.deadLetters}`,
  ].join(' · ');
}

const round = (n: number) => (Math.round(n * 100) / 100).toString();
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
