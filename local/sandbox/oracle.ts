import type { DeadLetterMessage } from '../../shared/dead-letter/dead-letter-message.js';
import { recordInstanceIds } from '../../shared/dead-letter/dead-letter-record.js';
import { decodeEvent } from '../../shared/events/decode-event.js';
import { decide } from '../../shared/policy/decide.js';
import type { Policy } from '../../shared/policy/policy.js';
import type { EcsInstance, EcsRole } from '../ecs-emulator/index.js';

export interface Verdict {
  instanceId: string;
  ok: boolean;
  /** Why the instance is where it is (or why that is wrong). */
  because: string;
}

export interface OracleInput {
  policy: Policy;
  instances: readonly EcsInstance[];
  roles: readonly EcsRole[];
  /** Roles instances held before the run (the seed); the function never owned those. */
  initialRoles: ReadonlyMap<string, string | null>;
  deadLetters: readonly DeadLetterMessage[];
  /** The account the instances live in (the policy may scope rules to accounts). */
  accountId: string;
  region: string;
}

/**
 * Judges the end state against the policy, independently of the function's own reports: an instance is fine
 * when it holds the role its tags call for now, when the policy keeps another role it has, when nothing should be
 * attached to it — or when its failure is in the dead-letter queue (nothing lost). A role outside allowedRoles
 * that the instance did not start with is always wrong.
 */
export function judge(input: OracleInput): Verdict[] {
  const deadLettered = deadLetteredInstances(input);
  const allowed = new Set(input.policy.allowedRoles);
  return input.instances
    .filter((i) => i.status !== 'Deleted')
    .map((instance): Verdict => {
      const id = instance.id;
      const role = instance.role;
      const initial = input.initialRoles.get(id) ?? null;
      const verdict = (ok: boolean, because: string): Verdict => ({ instanceId: id, ok, because });
      if (role !== null && role !== initial && !allowed.has(role)) {
        return verdict(false, `holds ${role}, which is not in allowedRoles and it did not start with`);
      }
      const decision = decide(input.policy, {
        instanceId: id,
        regionId: instance.region,
        accountId: input.accountId,
        tags: instance.tags,
      });
      if (decision.action !== 'attach') {
        if (decision.action === 'refused' && role === decision.role && role !== initial) {
          return verdict(false, `holds ${role} although the policy refuses it`);
        }
        return verdict(true, `policy: ${decision.action}`);
      }
      if (role === decision.role) return verdict(true, `holds ${role}`);
      if (deadLettered.has(id)) return verdict(true, 'dead-lettered');
      if (instance.network === 'classic') return verdict(true, 'classic network: skipped');
      if (role !== null && keepsOtherRole(input.policy, role))
        return verdict(true, `keeps ${role} (conflict)`);
      return verdict(
        false,
        `should hold ${decision.role} (rule ${decision.rule}) but holds ${role ?? 'no role'}`,
      );
    });
}

function keepsOtherRole(policy: Policy, role: string): boolean {
  return (
    policy.onExistingRole === 'keep' ||
    (policy.onExistingRole === 'replace-managed' && !policy.allowedRoles.includes(role))
  );
}

/** Instances named by a dead-letter record, or by an event FC gave up on (its onFailure record holds it). */
function deadLetteredInstances(input: OracleInput): Set<string> {
  const ids = new Set<string>();
  for (const message of input.deadLetters) {
    if (message.kind === 'record') for (const id of recordInstanceIds(message.record)) ids.add(id);
    if (message.kind === 'fc-failure') {
      const decoded = decodeEvent(message.record.requestPayload, {
        defaultRegionId: input.region,
        defaultAccountId: input.accountId,
      });
      for (const ref of decoded.refs) ids.add(ref.instanceId);
    }
  }
  return ids;
}
