import { randomInt } from 'node:crypto';
import { ecsError } from '../ecs-errors.js';
import type { NetworkType } from '../ecs-state.js';
import { isKnownRegion } from '../regions.js';
import { readInt, requireRegionId } from '../request-params.js';
import { readTagPairs } from '../tag-params.js';
import type { EcsAction } from './action.js';

const MAX_AMOUNT = 100;
/** `ecs.g7.large`, `ecs.t6-c1m1.large`, `ecs.ebmg7.32xlarge`. */
const INSTANCE_TYPE = /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/;
/** Pay-as-you-go price per instance the emulator quotes (any plausible number does). */
const HOURLY_PRICE = 0.52;

/**
 * RunInstances: `Amount` (1–100, default 1) new instances, Pending at first, which start on their own
 * (documented) and become visible to the API after the visibility lag. `ImageId` and `InstanceType` are required
 * (as without a launch template), `Tag.N` are set at creation, `VSwitchId` means a VPC instance (else
 * `NetworkType`, default vpc). Validation follows the RunInstances error table; images, vSwitches and stock are
 * not modelled. `DryRun=true` validates and answers DryRunOperation without creating anything.
 */
export const runInstances: EcsAction = {
  perInstanceResults: false,
  trail: { subject: true },
  run({ params, effects }) {
    const region = requireRegionId(params);
    if (!isKnownRegion(region)) throw ecsError('InvalidRegionId.NotFound');
    const amount = readInt(params, 'Amount', 1, MAX_AMOUNT, 1);
    const imageId = params.get('ImageId');
    if (!imageId) throw ecsError('MissingParameter', missing('ImageId'));
    const instanceType = params.get('InstanceType');
    if (!instanceType) throw ecsError('MissingParameter', missing('InstanceType'));
    if (!INSTANCE_TYPE.test(instanceType)) throw ecsError('InvalidInstanceType.ValueNotSupported');
    const name = params.get('InstanceName') || undefined;
    if (name !== undefined && !validName(name)) throw ecsError('InvalidInstanceName.Malformed');
    const network = readNetwork(params);
    const tags = readTagPairs(params, false);
    if (params.get('DryRun') === 'true') throw ecsError('DryRunOperation');

    const created = effects.launch({
      region,
      amount,
      tags: Object.fromEntries(tags.map(({ key, value }) => [key, value])),
      network,
      instanceType,
      ...(name === undefined ? {} : { name }),
    });
    const ids = created.map((i) => i.id);
    effects.reference(ids);
    return {
      InstanceIdSets: { InstanceIdSet: ids },
      // 15 digits, like real order ids (randomInt's range is limited to 2^48).
      OrderId: `${randomInt(1, 10)}${String(randomInt(0, 10 ** 14)).padStart(14, '0')}`,
      TradePrice: Math.round(HOURLY_PRICE * amount * 1000) / 1000,
    };
  },
};

function missing(name: string): string {
  return `The input parameter "${name}" that is mandatory for processing this request is not supplied.`;
}

/** 2–128 characters, starting with a letter, not with a URL scheme (the documented InstanceName rule). */
function validName(name: string): boolean {
  return (
    name.length >= 2 &&
    name.length <= 128 &&
    /^\p{L}/u.test(name) &&
    !/^https?:\/\//i.test(name) &&
    /^[\p{L}\p{N}.:_-]+$/u.test(name)
  );
}

function readNetwork(params: { get(name: string): string | undefined }): NetworkType {
  const vSwitchId = params.get('VSwitchId');
  if (vSwitchId) {
    if (!/^vsw-[a-z0-9]+$/.test(vSwitchId)) throw ecsError('InvalidVSwitchId.NotFound');
    return 'vpc';
  }
  const type = params.get('NetworkType');
  if (type === undefined || type === '' || type === 'vpc') return 'vpc';
  if (type === 'classic') return 'classic';
  throw ecsError('InvalidParameter', 'The specified parameter NetworkType is not valid.');
}
