import { ecsError } from '../ecs-errors.js';
import type { EcsInstance, EcsState } from '../ecs-state.js';
import { isKnownRegion } from '../regions.js';
import { type Params, requireRegionId } from '../request-params.js';
import { readResourceIds } from '../tag-params.js';
import { visibleInstance } from './action.js';

/** The ResourceType values TagResources/UntagResources document; all lower case. */
const RESOURCE_TYPES = new Set([
  'instance',
  'disk',
  'snapshot',
  'image',
  'securitygroup',
  'volume',
  'eni',
  'ddh',
  'ddhcluster',
  'keypair',
  'launchtemplate',
  'reservedinstance',
  'snapshotpolicy',
  'elasticityassurance',
  'capacityreservation',
  'command',
  'invocation',
  'activation',
  'managedinstance',
]);

/**
 * The instances a tag write names: RegionId, ResourceType, ResourceId.N, all checked before anything changes.
 * ResourceType is matched case-insensitively (ActionTrail samples show callers sending `INSTANCE`). The emulator
 * holds only instances, so any other documented type names resources that do not exist. One unknown id fails the
 * whole call (InvalidResourceId.NotFound), as does an instance the region does not see yet.
 */
export function tagTargets(params: Params, state: EcsState): EcsInstance[] {
  const region = requireRegionId(params);
  if (!isKnownRegion(region)) throw ecsError('InvalidRegionId.NotFound');
  const type = params.get('ResourceType');
  if (!type) throw ecsError('MissingParameter.ResourceType');
  if (!RESOURCE_TYPES.has(type.toLowerCase())) throw ecsError('InvalidResourceType.NotFound');
  const ids = readResourceIds(params);
  return ids.map((id) => {
    const instance = type.toLowerCase() === 'instance' ? visibleInstance(state, id, region) : undefined;
    if (!instance) throw ecsError('InvalidResourceId.NotFound');
    return instance;
  });
}
