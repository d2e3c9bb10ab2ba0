import { isInstanceId } from '../../../shared/ecs/ids.js';
import { ecsError } from '../ecs-errors.js';
import { isKnownRegion } from '../regions.js';
import { indexedValues, requireRegionId } from '../request-params.js';
import { type EcsAction, visibleInstance } from './action.js';

const MAX_INSTANCES = 100;

/**
 * DeleteInstances: releases 1–100 instances (`InstanceId.N`), all or none. Documented: only Stopped instances
 * can be released unless `Force=true` (IncorrectInstanceStatus otherwise). An id the region does not see fails
 * the whole call with InvalidInstanceId.NotFound. Released instances are Deleted at once — Describe* stop
 * listing them — with a `Deleted` state change event each (the intermediate Stopping/Stopped of a forced release
 * are not modelled). `DryRun=true` validates and answers DryRunOperation.
 */
export const deleteInstances: EcsAction = {
  perInstanceResults: false,
  trail: { subject: true },
  run({ params, state, effects }) {
    const region = requireRegionId(params);
    if (!isKnownRegion(region)) throw ecsError('InvalidRegionId.NotFound');
    const ids = [...new Set(indexedValues(params, 'InstanceId'))];
    if (ids.length === 0) {
      throw ecsError(
        'MissingParameter',
        'The input parameter "InstanceId" that is mandatory for processing this request is not supplied.',
      );
    }
    if (ids.length > MAX_INSTANCES) {
      throw ecsError(
        'InvalidParameter',
        `The specified parameter InstanceId exceeds the limit of ${MAX_INSTANCES}.`,
      );
    }
    const force = params.get('Force') === 'true';
    for (const id of ids) {
      const instance = isInstanceId(id) ? visibleInstance(state, id, region) : undefined;
      if (!instance) throw ecsError('InvalidInstanceId.NotFound');
      if (!force && instance.status !== 'Stopped') throw ecsError('IncorrectInstanceStatus');
    }
    if (params.get('DryRun') === 'true') throw ecsError('DryRunOperation');
    effects.release(ids);
    effects.reference(ids);
    return {};
  },
};
