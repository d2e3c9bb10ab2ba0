/** Each instance an invocation was asked about ends in exactly one of these (design: "Outcomes"). */
export const OUTCOMES = [
  'attached',
  'replaced',
  'already-correct',
  'skipped',
  'no-rule',
  'conflict',
  'refused',
  'would-attach',
  'would-replace',
  'dead-lettered',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Why an instance was skipped. */
export type SkipReason = 'policy' | 'region' | 'account' | 'classic-network' | 'deleted' | 'not-found';

export interface InstanceOutcome {
  instanceId: string;
  regionId: string;
  outcome: Outcome;
  role?: string;
  previousRole?: string;
  rule?: string;
  reason?: string;
  error?: { code: string; message: string };
}

export interface Summary {
  counts: Partial<Record<Outcome, number>>;
  results: InstanceOutcome[];
}

export function summarize(results: InstanceOutcome[]): Summary {
  const counts: Partial<Record<Outcome, number>> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return { counts, results };
}
