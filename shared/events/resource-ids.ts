import { isAccountId, isInstanceId, isRegionId } from '../ecs/ids.js';
import { EventDecodeError } from './decode-error.js';
import { wrongType } from './json-fields.js';
import { MAX_RESOURCE_REF_LENGTH } from './limits.js';
import { quote } from './text.js';

/**
 * Where instance ids hide in events: bare ids (`i-bp1…`) and ARNs — `acs:ecs:<region>:<uid>:instance/i-bp1…`
 * (CloudMonitor's `resourceId`, a CloudEvent's `subject`; cloud-facts EV-5) and the Tag service's
 * `arn:acs:ecs:<region>:<uid>:instance/i-bp1…` (`ResourceARN.N`, cloud-facts EV-18). Every value is checked with
 * `shared/ecs/ids.ts` before it can become part of a ref.
 */

/**
 * Resource types that mean "an ECS instance": `ALIYUN::ECS::Instance` (CloudMonitor `content.resourceType`),
 * `ACS::ECS::Instance` (ActionTrail's `referencedResources` key; the Tag service lets an ARN use ActionTrail's or
 * Resource Center's spelling, cloud-facts EV-18) and `instance` (ECS tag APIs, ARNs). Compared ignoring case.
 */
const INSTANCE_RESOURCE_TYPES = new Set(['aliyun::ecs::instance', 'acs::ecs::instance', 'instance']);

export const isInstanceResourceType = (resourceType: string): boolean =>
  INSTANCE_RESOURCE_TYPES.has(resourceType.toLowerCase());

/** An instance an event names, with the region/account its ARN gave (already validated), if any. */
export interface InstanceLocation {
  instanceId: string;
  regionId?: string;
  accountId?: string;
}

/** What one id-bearing value turned out to be. */
export type ResourceRef =
  | { kind: 'instance'; location: InstanceLocation }
  /** A well-formed ARN of something else (a disk, a queue…): not poison, just not ours. */
  | { kind: 'other'; description: string };

/** A value that may name the instance, and where it sits in the event. */
export interface Candidate {
  value: unknown;
  path: string;
}

export interface ParsedArn {
  service: string;
  region: string;
  account: string;
  resourceType: string;
  resourceId: string;
}

/** The Tag service writes ARNs with a leading `arn:` (cloud-facts EV-18); CloudMonitor and EventBridge without. */
const ARN_PREFIX = /^(?:arn:)?acs:/i;

/**
 * Splits `[arn:]acs:<service>:<region>:<account>:<type>/<id>`; undefined when the text does not have that shape.
 * The type may itself hold colons (`ACS::ECS::Instance/i-…`).
 */
export function parseArn(value: string): ParsedArn | undefined {
  const parts = value.replace(/^arn:(?=acs:)/i, '').split(':');
  if (parts.length < 5 || parts[0]?.toLowerCase() !== 'acs') return undefined;
  const resource = parts.slice(4).join(':');
  const slash = resource.indexOf('/');
  if (slash <= 0) return undefined;
  return {
    service: (parts[1] ?? '').toLowerCase(),
    region: parts[2] ?? '',
    account: parts[3] ?? '',
    resourceType: resource.slice(0, slash).toLowerCase(),
    resourceId: resource.slice(slash + 1),
  };
}

export const isArnLike = (value: string): boolean => ARN_PREFIX.test(value);

function malformedInstance(path: string, value: string, why: string): EventDecodeError {
  return new EventDecodeError('InvalidEvent.InstanceId', `${path}: ${quote(value)} ${why}`, path, { value });
}

/**
 * Reads a value that is expected to name an instance: a bare id must be a valid instance id, an ECS instance ARN
 * must hold a valid id (and a valid region/account where it has them); any other well-formed ARN is `other`.
 * Throws `InstanceId` / `RegionId` / `AccountId` / `WrongType`.
 */
export function readResourceRef(value: unknown, path: string): ResourceRef {
  if (typeof value !== 'string') throw wrongType(path, 'a string (an instance id or ARN)', value);
  if (value.length > MAX_RESOURCE_REF_LENGTH) {
    throw malformedInstance(path, value, `is longer than ${MAX_RESOURCE_REF_LENGTH} characters`);
  }
  if (!isArnLike(value)) {
    if (!isInstanceId(value)) throw malformedInstance(path, value, 'is not a valid ECS instance id');
    return { kind: 'instance', location: { instanceId: value } };
  }
  const arn = parseArn(value);
  if (arn === undefined) {
    // Another product's ARN need not have a `/` (OSS: `acs:oss:*:<uid>:<bucket>`): not ours, not poison.
    const service = value.replace(ARN_PREFIX, '').split(':', 1)[0]?.toLowerCase();
    if (service !== undefined && service !== 'ecs' && /^[a-z][a-z0-9-]{0,31}$/.test(service)) {
      return { kind: 'other', description: `${quote(service, 32)} resource` };
    }
    throw malformedInstance(path, value, 'is not a valid ARN (acs:ecs:<region>:<account>:instance/<id>)');
  }
  if (arn.service !== 'ecs' || !isInstanceResourceType(arn.resourceType)) {
    return { kind: 'other', description: `${quote(arn.service, 32)} ${quote(arn.resourceType, 32)}` };
  }
  if (!isInstanceId(arn.resourceId)) {
    throw malformedInstance(path, value, 'does not end in a valid ECS instance id');
  }
  const location: { instanceId: string; regionId?: string; accountId?: string } = {
    instanceId: arn.resourceId,
  };
  if (arn.region !== '') {
    if (!isRegionId(arn.region)) {
      throw new EventDecodeError(
        'InvalidEvent.RegionId',
        `${path}: the ARN's region ${quote(arn.region)} is not a valid region id`,
        path,
        { value },
      );
    }
    location.regionId = arn.region;
  }
  if (arn.account !== '') {
    if (!isAccountId(arn.account)) {
      throw new EventDecodeError(
        'InvalidEvent.AccountId',
        `${path}: the ARN's account ${quote(arn.account)} is not a valid account id`,
        path,
        { value },
      );
    }
    location.accountId = arn.account;
  }
  return { kind: 'instance', location };
}

/**
 * The instance named by the first candidate that names one. Every present candidate is checked (a malformed one
 * is poison even when another is fine: the event is not trustworthy). Candidates that are absent (undefined/null)
 * are skipped; `other` is returned only when no candidate names an instance; undefined when none is present.
 */
export function resolveInstance(candidates: readonly Candidate[]): ResourceRef | undefined {
  let found: ResourceRef | undefined;
  let other: ResourceRef | undefined;
  for (const { value, path } of candidates) {
    if (value === undefined || value === null) continue;
    const ref = readResourceRef(value, path);
    if (ref.kind === 'instance') found ??= ref;
    else other ??= ref;
  }
  return found ?? other;
}

/**
 * A CloudEvents `subject` as an id candidate. `subject` is free-form in CloudEvents; Alibaba puts the resource ARN
 * there, so only an ARN or something shaped like a bare instance id is considered, other text is not an id.
 */
export function subjectCandidate(subject: string | undefined, path: string): Candidate[] {
  if (subject === undefined) return [];
  return isArnLike(subject) || subject.startsWith('i-') ? [{ value: subject, path }] : [];
}
