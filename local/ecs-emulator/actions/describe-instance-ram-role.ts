import { ecsError } from '../ecs-errors.js';
import { readInstanceIds, readInt, requireRegionId } from '../request-params.js';
import { type EcsAction, visibleInstance } from './action.js';

/** cloud-facts ECS-4: the SDK model and the Chinese API page say 50 (older English pages 100). */
const MAX_INSTANCE_IDS = 50;
const MAX_PAGE_SIZE = 50;

/**
 * DescribeInstanceRamRole, by `InstanceIds` (≤ 50; more is `InvalidInstanceIds.Malformed`, cloud-facts ECS-5)
 * and/or `RamRoleName`. Rows follow `EcsBehaviour.roleRows`: by default one per visible instance asked about,
 * `RamRoleName` `""` for one without a role (cloud-facts ECS-7); with a `RamRoleName`, only instances holding that
 * role. `TotalCount` counts the rows of all pages (ECS-8). Asking about a classic-network instance fails the call
 * with `InvalidNetworkType.MismatchRamRole` (ECS-9). Unknown ids (unknown what ECS does, ECS-10): the call fails
 * with InvalidInstanceId.NotFound only when none of them exists in the region; otherwise they are left out.
 */
export const describeInstanceRamRole: EcsAction = {
  perInstanceResults: false,
  run({ params, state, behaviour }) {
    const region = requireRegionId(params);
    const requested = readInstanceIds(params, MAX_INSTANCE_IDS, 'InvalidInstanceIds.Malformed');
    const ids = requested && requested.length > 0 ? requested : undefined;
    const roleName = params.get('RamRoleName') || undefined;
    if (ids === undefined && roleName === undefined) throw ecsError('InvalidParameter.AllEmpty');
    const pageNumber = readInt(params, 'PageNumber', 1, Number.MAX_SAFE_INTEGER, 1);
    const pageSize = readInt(params, 'PageSize', 1, MAX_PAGE_SIZE, 10);

    let candidates = state.instances().filter((i) => visibleInstance(state, i.id, region) !== undefined);
    if (ids !== undefined) {
      const wanted = new Set(ids);
      candidates = candidates.filter((i) => wanted.has(i.id));
      if (candidates.length === 0) throw ecsError('InvalidInstanceId.NotFound');
      if (candidates.some((i) => i.network === 'classic'))
        throw ecsError('InvalidNetworkType.MismatchRamRole');
    }
    const rows = candidates.filter((i) =>
      roleName !== undefined
        ? i.role === roleName
        : i.role !== null || behaviour.roleRows === 'every-instance',
    );
    const page = rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      RegionId: region,
      TotalCount: rows.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      InstanceRamRoleSets: {
        InstanceRamRoleSet: page.map((i) => ({ InstanceId: i.id, RamRoleName: i.role ?? '' })),
      },
    };
  },
};
