import { ecsError } from '../ecs-errors.js';
import { readInstanceIds, requireRegionId } from '../request-params.js';
import { type EcsAction, failed, type InstanceOutcome, succeeded, visibleInstance } from './action.js';

interface DetachOutcome extends InstanceOutcome {
  InstanceRamRoleSets: { InstanceRamRoleSet: Array<{ InstanceId: string; RamRoleName: string }> };
}

/**
 * DetachInstanceRamRole. With RamRoleName, an instance whose role is another one fails (inside the 200). Each
 * result's InstanceRamRoleSets names the role detached on success, or the role still attached on failure.
 */
export const detachInstanceRamRole: EcsAction = {
  perInstanceResults: true,
  trail: { subject: true },
  run({ params, state, instanceFaults, effects, behaviour }) {
    const region = requireRegionId(params);
    const ids = readInstanceIds(params);
    if (ids === undefined || ids.length === 0) throw ecsError('MissingParameter.InstanceIds');
    const roleName = params.get('RamRoleName') || undefined;
    if (roleName !== undefined && !state.role(roleName)) throw ecsError('InvalidRamRole.NotFound');

    effects.reference(ids);
    let detachedRole: string | undefined;
    const results = ids.map((id): DetachOutcome => {
      const instance = visibleInstance(state, id, region);
      const roleSet = (role: string | null | undefined) => ({
        InstanceRamRoleSet: role ? [{ InstanceId: id, RamRoleName: role }] : [],
      });
      const fault = instanceFaults.get(id);
      if (fault) return { ...failed(id, fault), InstanceRamRoleSets: roleSet(instance?.role) };
      if (!instance)
        return { ...failed(id, 'InvalidInstanceId.NotFound'), InstanceRamRoleSets: roleSet(null) };
      if (instance.role === null) {
        return { ...failed(id, 'InvalidRamRole.NotAttached'), InstanceRamRoleSets: roleSet(null) };
      }
      if (roleName !== undefined && instance.role !== roleName) {
        return { ...failed(id, 'InvalidRamRole.Mismatch'), InstanceRamRoleSets: roleSet(instance.role) };
      }
      state.setRole(id, null);
      detachedRole ??= instance.role;
      return { ...succeeded(id, behaviour), InstanceRamRoleSets: roleSet(instance.role) };
    });
    return {
      TotalCount: results.length,
      FailCount: results.filter((r) => !r.Success).length,
      RamRoleName: roleName ?? detachedRole ?? '',
      DetachInstanceRamRoleResults: { DetachInstanceRamRoleResult: results },
    };
  },
};
