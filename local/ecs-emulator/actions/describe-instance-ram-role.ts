import { ecsError } from '../ecs-errors.js';
import { readInstanceIds, readInt, requireRegionId } from '../request-params.js';
import { type EcsAction, visibleInstance } from './action.js';

/**
 * DescribeInstanceRamRole. Assumption (the docs do not say): only instances that HAVE a role are listed; an
 * instance without one is simply absent. Unknown ids: the call fails with InvalidInstanceId.NotFound only when
 * none of the requested ids exists in the region; otherwise the unknown ones are silently left out.
 */
export const describeInstanceRamRole: EcsAction = {
  perInstanceResults: false,
  run({ params, state }) {
    const region = requireRegionId(params);
    const requested = readInstanceIds(params);
    const ids = requested && requested.length > 0 ? requested : undefined;
    const roleName = params.get('RamRoleName') || undefined;
    if (ids === undefined && roleName === undefined) throw ecsError('InvalidParameter.AllEmpty');
    const pageNumber = readInt(params, 'PageNumber', 1, Number.MAX_SAFE_INTEGER, 1);
    const pageSize = readInt(params, 'PageSize', 1, 50, 10);

    let candidates = state.instances().filter((i) => visibleInstance(state, i.id, region) !== undefined);
    if (ids !== undefined) {
      const wanted = new Set(ids);
      candidates = candidates.filter((i) => wanted.has(i.id));
      if (candidates.length === 0) throw ecsError('InvalidInstanceId.NotFound');
    }
    const withRole = candidates.filter(
      (i) => i.role !== null && (roleName === undefined || i.role === roleName),
    );
    const page = withRole.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      RegionId: region,
      TotalCount: withRole.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      InstanceRamRoleSets: {
        InstanceRamRoleSet: page.map((i) => ({ InstanceId: i.id, RamRoleName: i.role })),
      },
    };
  },
};
