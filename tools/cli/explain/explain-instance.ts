/**
 * `explain` as data: the policy's explanation for an instance with these tags, and the outcome the function
 * would report given the role the instance has now, through the function's own plan (`planInstance`): the
 * outcome follows `onExistingRole` and `mode` exactly as a real invocation would. Pure.
 */
import type { InstanceOutcome } from '../../../shared/attach/outcomes.js';
import { planInstance } from '../../../shared/attach/plan.js';
import { type Explanation, explain } from '../../../shared/policy/explain.js';
import type { InstanceFacts, Policy } from '../../../shared/policy/policy.js';

/** The instance explained: a running VPC instance (the others are skipped before the policy is asked). */
const EXPLAINED_INSTANCE = 'i-explain';

export type ExplainedOutcome = Omit<InstanceOutcome, 'instanceId' | 'regionId'>;

export interface InstanceExplanation extends Explanation {
  regionId: string;
  accountId?: string;
  tags: Readonly<Record<string, string>>;
  currentRole: string | null;
  outcome: ExplainedOutcome;
}

export function explainInstance(
  policy: Policy,
  input: {
    regionId: string;
    accountId?: string | undefined;
    tags: Readonly<Record<string, string>>;
    currentRole: string | null;
  },
): InstanceExplanation {
  const facts: InstanceFacts = {
    instanceId: EXPLAINED_INSTANCE,
    regionId: input.regionId,
    ...(input.accountId === undefined ? {} : { accountId: input.accountId }),
    tags: input.tags,
  };
  const explanation = explain(policy, facts);
  const plan = planInstance(
    policy,
    { ...facts, status: 'Running', networkType: 'vpc' },
    input.currentRole,
    explanation.decision,
  );
  const outcome: ExplainedOutcome =
    plan.kind === 'done'
      ? plan.result
      : plan.kind === 'attach'
        ? { outcome: 'attached', role: plan.role, rule: plan.rule }
        : { outcome: 'replaced', role: plan.role, previousRole: plan.from, rule: plan.rule };
  return {
    ...explanation,
    regionId: input.regionId,
    ...(input.accountId === undefined ? {} : { accountId: input.accountId }),
    tags: input.tags,
    currentRole: input.currentRole,
    outcome,
  };
}
