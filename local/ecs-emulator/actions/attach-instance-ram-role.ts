import { ECS_ERRORS, ecsError } from '../ecs-errors.js';
import { readInstanceIds, requireRegionId } from '../request-params.js';
import { type EcsAction, failed, type InstanceOutcome, succeeded, visibleInstance } from './action.js';

const MAX_POLICY_LENGTH = 1024;

/**
 * AttachInstanceRamRole. Request-level failures (missing parameters, malformed ids, unknown role, role that does not
 * trust ECS) fail the call; each instance's own failure goes inside the 200 results (which goes where is not
 * documented: cloud-facts ECS-14). Any non-Deleted status is accepted (which states the real API accepts is
 * undocumented: ECS-18); an instance not yet visible (just launched) is NotFound. The Policy is only length-checked.
 */
export const attachInstanceRamRole: EcsAction = {
  perInstanceResults: true,
  trail: { subject: true },
  run({ params, state, instanceFaults, effects, behaviour }) {
    const region = requireRegionId(params);
    const roleName = params.get('RamRoleName');
    if (!roleName) throw ecsError('MissingParameter.RamRoleName');
    const ids = readInstanceIds(params);
    if (ids === undefined || ids.length === 0) throw ecsError('MissingParameter.InstanceIds');
    const policy = params.get('Policy');
    if (policy !== undefined && policy.length > MAX_POLICY_LENGTH) {
      throw ecsError(
        'InvalidParameter',
        `The specified parameter Policy exceeds ${MAX_POLICY_LENGTH} characters.`,
      );
    }
    const role = state.role(roleName);
    if (!role) throw ecsError('InvalidRamRole.NotFound');
    if (!role.trustsEcs) throw ecsError('InvalidRamRole.NotEcsRole');

    effects.reference(ids);
    const results = ids.map((id): InstanceOutcome => {
      const fault = instanceFaults.get(id);
      if (fault) return failed(id, fault);
      const instance = visibleInstance(state, id, region);
      if (!instance) return failed(id, 'InvalidInstanceId.NotFound');
      if (instance.network === 'classic') return failed(id, 'InvalidNetworkType.MismatchRamRole');
      // Any role, even the same one, blocks a new attach; the real code for this is undocumented (cloud-facts
      // ECS-16), so it is configurable.
      if (instance.role !== null) {
        const { message } = ECS_ERRORS['InvalidRamRole.AlreadyAttached'];
        return failed(id, { code: behaviour.alreadyAttachedCode, message });
      }
      state.setRole(id, roleName);
      return succeeded(id, behaviour);
    });
    return {
      TotalCount: results.length,
      FailCount: results.filter((r) => !r.Success).length,
      RamRoleName: roleName,
      AttachInstanceRamRoleResults: { AttachInstanceRamRoleResult: results },
    };
  },
};
