import { INSTANCE_ID, isAccountId, isInstanceId, isRegionId } from '../ecs/ids.js';
import { MAX_RESOURCE_REF_LENGTH } from './limits.js';
import { type InstanceLocation, isArnLike, isInstanceResourceType, parseArn } from './resource-ids.js';

/**
 * The instances a poison event names, whatever made it poison: every string in it that is a valid instance id
 * or an ECS instance ARN holding one, and every instance id inside longer text (a JSON payload carried as a
 * string, or input that is not JSON at all). A poison record keeps them, so redrive can re-check those
 * instances though the event itself will never decode. Each comes with the region and account of its ARN when
 * that ARN gives valid ones; a bare id has neither (the record's region and account apply).
 */
export function salvageInstances(value: unknown): InstanceLocation[] {
  const found = new Found();
  // Depth first, in document order (children pushed last first): iterative, so nesting cannot overflow the stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') found.string(node);
    else if (typeof node === 'object' && node !== null) {
      const children = Array.isArray(node) ? node : Object.values(node);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return found.locations();
}

/** Instance ids in text: `i-` and 8–32 lower-case letters or digits, not part of a longer word. */
const ID_IN_TEXT = /(?<![A-Za-z0-9_-])i-[a-z0-9]{8,32}(?![A-Za-z0-9_-])/g;
/** `[arn:]acs:ecs:<region>:<account>:instance/` just before an id in text. */
const ARN_BEFORE_ID = /(?:arn:)?acs:ecs:([a-z0-9-]*):(\d*):instance\/$/i;

/** Instance ids found in raw text (input that is not JSON, or too deep to parse). */
export function salvageFromText(text: string): InstanceLocation[] {
  const found = new Found();
  found.text(text);
  return found.locations();
}

class Found {
  readonly #byKey = new Map<string, InstanceLocation>();

  string(value: string): void {
    if (INSTANCE_ID.test(value)) this.add({ instanceId: value });
    else if (value.length <= MAX_RESOURCE_REF_LENGTH && isArnLike(value)) this.arn(value);
    else if (value.length > 34) this.text(value);
  }

  text(text: string): void {
    for (const match of text.matchAll(ID_IN_TEXT)) {
      const before = ARN_BEFORE_ID.exec(text.slice(Math.max(0, match.index - 120), match.index));
      this.add(located(match[0], before?.[1], before?.[2]));
    }
  }

  arn(value: string): void {
    const arn = parseArn(value);
    if (arn === undefined || arn.service !== 'ecs' || !isInstanceResourceType(arn.resourceType)) return;
    if (isInstanceId(arn.resourceId)) this.add(located(arn.resourceId, arn.region, arn.account));
  }

  add(location: InstanceLocation): void {
    const key = `${location.regionId ?? ''}/${location.instanceId}`;
    if (!this.#byKey.has(key)) this.#byKey.set(key, location);
  }

  locations(): InstanceLocation[] {
    return [...this.#byKey.values()];
  }
}

function located(instanceId: string, regionId?: string, accountId?: string): InstanceLocation {
  return {
    instanceId,
    ...(isRegionId(regionId) ? { regionId } : {}),
    ...(isAccountId(accountId) ? { accountId } : {}),
  };
}
