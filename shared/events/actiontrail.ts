import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, idAndType, readEventId, toIsoTime, UNKNOWN_EVENT_ID } from './event-meta.js';
import type { RefReason } from './instance-ref.js';
import {
  field,
  fieldIgnoringCase,
  has,
  isJsonObject,
  type JsonObject,
  missingField,
  optionalObject,
  optionalString,
  requiredString,
  wrongType,
} from './json-fields.js';
import { firstOf, makeRef, readAccount, readRegion } from './locate.js';
import { parseJsonText } from './parse-json.js';
import { type Candidate, type InstanceLocation, type ResourceRef, readResourceRef } from './resource-ids.js';
import { pointer, quote } from './text.js';

/**
 * ActionTrail records, in either documented CloudEvent form — source `acs.actiontrail` with type
 * `actiontrail:ActionTrail:ApiCall|ConsoleOperation|AliyunServiceEvent` and the product in `data.serviceName`
 * (cloud-facts EV-11), or the product's own source with type `<product>:ActionTrail:…` (EV-12) — or the bare
 * record as RawData. Only write events reach EventBridge; of those, instance creation (`RunInstances`,
 * `CreateInstance`, the console buy page's `Create`) and tag writes name instances to look at: ECS's
 * `TagResources`/`UntagResources` (`ResourceId.N`), legacy `AddTags`/`RemoveTags`, and the Tag service's
 * `TagResources`/`UntagResources` (`ResourceARN.N`, EV-18). Everything else is ignored.
 */

type ActionKind = 'created' | 'tag-change';

const ACTIONS = new Map<string, ActionKind>([
  ['runinstances', 'created'],
  ['createinstance', 'created'],
  ['create', 'created'],
  ['tagresources', 'tag-change'],
  ['untagresources', 'tag-change'],
  ['addtags', 'tag-change'],
  ['removetags', 'tag-change'],
]);

/** `ResourceId.3`, `ResourceARN.1`: ActionTrail flattens list parameters this way (casing not trusted, EV-17). */
const FLAT_RESOURCE_ID = /^resourceid\.(\d{1,6})$/i;
const FLAT_RESOURCE_ARN = /^resourcearn\.(\d{1,6})$/i;

export interface ActionTrailSource {
  data: JsonObject;
  dataPath: string;
  /**
   * `ecs` from a product-form type `ecs:ActionTrail:ApiCall`; undefined for the ActionTrail form (whose prefix
   * `actiontrail` names no product), for RawData and for a type without prefix. `data.serviceName` wins.
   */
  typeService?: string;
  /** The CloudEvent's id, type and time; the record's own `eventId`/`eventTime` fill in what is missing. */
  eventId?: string;
  eventType: string;
  eventTime?: string;
  /** The CloudEvent `subject` as a last-resort id candidate for creation events. */
  subject: readonly Candidate[];
  /** `aliyunregionid` / `aliyunaccountid`, already validated. */
  envelopeRegionId?: string;
  envelopeAccountId?: string;
}

export function decodeActionTrail(source: ActionTrailSource, ctx: DecodeContext): void {
  const { data, dataPath } = source;
  const meta: EventMeta = {
    eventId:
      source.eventId ?? readEventId(data, 'eventId', dataPath) ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
    eventType: source.eventType,
  };
  const eventTime = source.eventTime ?? toIsoTime(field(data, 'eventTime'));
  if (eventTime !== undefined) meta.eventTime = eventTime;

  const eventName = requiredString(data, 'eventName', dataPath, 'an ActionTrail record names its API call');
  const service = (optionalString(data, 'serviceName', dataPath) ?? source.typeService)?.toLowerCase();
  // The Tag service's own TagResources/UntagResources tag ECS instances too (ARNs in `ResourceARN.N`, EV-18);
  // its `serviceName` spelling is not documented (cloud-facts EV-19), hence the case-insensitive compare.
  if (service !== undefined && service !== 'ecs' && service !== 'tag') {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `ActionTrail event from service ${quote(service)}, not ECS`,
    });
    return;
  }
  const errorCode = field(data, 'errorCode');
  if (errorCode !== undefined && errorCode !== null && errorCode !== '') {
    const code = typeof errorCode === 'string' ? quote(errorCode) : 'an error';
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `ActionTrail ${quote(eventName)} failed with ${code}`,
    });
    return;
  }
  const kind = ACTIONS.get(eventName.toLowerCase());
  if (kind === undefined || (service === 'tag' && kind === 'created')) {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `ActionTrail ${quote(eventName)} is neither an instance creation nor a tag change`,
    });
    return;
  }

  const paramsPath = pointer(dataPath, 'requestParameters');
  const params = lenientObject(data, 'requestParameters', dataPath) ?? {};
  const regionKey = fieldIgnoringCase(params, 'RegionId')?.key ?? 'RegionId';
  const userIdentity = optionalObject(data, 'userIdentity', dataPath);
  // Every region/account field is read (and so validated) before the first one present is picked.
  const regions = [
    readRegion(data, 'acsRegion', dataPath),
    readRegion(params, regionKey, paramsPath),
    source.envelopeRegionId,
  ];
  const accounts = [
    source.envelopeAccountId,
    readAccount(userIdentity, 'accountId', pointer(dataPath, 'userIdentity')),
  ];
  const place = { regionId: firstOf(...regions), accountId: firstOf(...accounts), path: dataPath };

  const candidates =
    kind === 'created'
      ? creationCandidates(source)
      : service === 'tag'
        ? tagServiceCandidates(params, paramsPath, data, dataPath)
        : tagCandidates(params, paramsPath, source, meta, ctx);
  if (candidates === undefined) return;
  const { locations, poisoned } = instancesOf(candidates, meta, ctx);
  if (locations.length === 0) {
    if (poisoned > 0) return; // every instance it names is malformed: each is poison on its own
    if (service === 'tag') {
      ctx.sink.addIgnored({
        ...idAndType(meta),
        reason: `ActionTrail ${quote(eventName)} tags no ECS instance`,
      });
      return;
    }
    throw new EventDecodeError(
      'InvalidEvent.NoInstance',
      `ActionTrail ${quote(eventName)} names no instance (looked at referencedResources, responseElements, ` +
        `requestParameters and subject) at ${dataPath || '/'}`,
      dataPath,
    );
  }
  const reason: RefReason = kind;
  // Launched with a role (`RamRoleName`), an instance would only refuse an attach: its role is read first.
  const launch = kind === 'created' && !has(params, 'RamRoleName');
  for (const location of locations) {
    // A Tag service ARN names the resource's own region and owner, which the call's region need not be
    // (cloud-facts EV-18): there the ARN wins. ECS's own calls name ids only; their region is the call's.
    const at =
      service === 'tag'
        ? {
            ...place,
            regionId: location.regionId ?? place.regionId,
            accountId: location.accountId ?? place.accountId,
          }
        : place;
    const ref = makeRef(location, at, meta, reason, ctx);
    ctx.sink.addRef(launch ? { ...ref, launch } : ref);
  }
}

/**
 * Creation: `referencedResources` (most reliable), then `responseElements` (`InstanceIdSets.InstanceIdSet[]` of
 * RunInstances, `InstanceId` of CreateInstance; that the trail carries them is inferred, cloud-facts EV-15, EV-16);
 * `subject` only if both are silent.
 */
function creationCandidates(source: ActionTrailSource): Candidate[] {
  const { data, dataPath } = source;
  const candidates = referencedInstances(data, dataPath);
  const response = lenientObject(data, 'responseElements', dataPath);
  if (response !== undefined) {
    const responsePath = pointer(dataPath, 'responseElements');
    const sets = fieldIgnoringCase(response, 'InstanceIdSets');
    if (sets !== undefined && sets.value !== null) {
      const setsPath = pointer(responsePath, sets.key);
      if (!isJsonObject(sets.value)) throw wrongType(setsPath, 'an object', sets.value);
      const set = fieldIgnoringCase(sets.value, 'InstanceIdSet');
      if (set !== undefined) candidates.push(...listCandidates(set.value, pointer(setsPath, set.key)));
    }
    const single = fieldIgnoringCase(response, 'InstanceId');
    if (single !== undefined)
      candidates.push(...listCandidates(single.value, pointer(responsePath, single.key)));
  }
  return candidates.length > 0 ? candidates : [...source.subject];
}

/**
 * The Tag service's tag writes: `ResourceARN.N` (documented), an unflattened `ResourceARN` list (tolerated), and
 * `referencedResources`. ARNs of other products and of other ECS resources are skipped by `instancesOf`.
 */
function tagServiceCandidates(
  params: JsonObject,
  paramsPath: string,
  data: JsonObject,
  dataPath: string,
): Candidate[] {
  return [
    ...flattened(params, FLAT_RESOURCE_ARN, paramsPath),
    ...listOf(params, 'ResourceARN', paramsPath),
    ...referencedInstances(data, dataPath),
  ];
}

/**
 * ECS tag writes: only when `ResourceType` is `instance` (case-insensitive; other types are ignored). Without a
 * `ResourceType` the flattened ids could be anything, so only `referencedResources` is trusted.
 */
function tagCandidates(
  params: JsonObject,
  paramsPath: string,
  source: ActionTrailSource,
  meta: EventMeta,
  ctx: DecodeContext,
): Candidate[] | undefined {
  const type = fieldIgnoringCase(params, 'ResourceType');
  const referenced = referencedInstances(source.data, source.dataPath);
  if (type === undefined || type.value === null) {
    if (referenced.length === 0) {
      throw missingField(
        pointer(paramsPath, 'ResourceType'),
        'a tag write names the type of the resources it tags',
      );
    }
    return referenced;
  }
  if (typeof type.value !== 'string') throw wrongType(pointer(paramsPath, type.key), 'a string', type.value);
  if (type.value.toLowerCase() !== 'instance') {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `tag write on ${quote(type.value)}, not on instances`,
    });
    return undefined;
  }
  return [
    ...flattened(params, FLAT_RESOURCE_ID, paramsPath),
    ...listOf(params, 'ResourceId', paramsPath),
    ...referenced,
  ];
}

/** `referencedResources["ACS::ECS::Instance"]` (cloud-facts EV-15; key casing not trusted). */
function referencedInstances(data: JsonObject, dataPath: string): Candidate[] {
  const referenced = optionalObject(data, 'referencedResources', dataPath);
  if (referenced === undefined) return [];
  const entry = fieldIgnoringCase(referenced, 'ACS::ECS::Instance');
  if (entry === undefined) return [];
  return listCandidates(entry.value, pointer(pointer(dataPath, 'referencedResources'), entry.key));
}

/** `Name.1`, `Name.2`… in numeric order. */
function flattened(params: JsonObject, pattern: RegExp, paramsPath: string): Candidate[] {
  const found: [number, string][] = [];
  for (const key of Object.keys(params)) {
    const match = pattern.exec(key);
    if (match) found.push([Number(match[1]), key]);
  }
  found.sort((a, b) => a[0] - b[0]);
  return found.map(([, key]) => ({ value: params[key], path: pointer(paramsPath, key) }));
}

/** A parameter that holds one id or a list of them (`ResourceId` in AddTags, or an unflattened list). */
function listOf(params: JsonObject, name: string, paramsPath: string): Candidate[] {
  const entry = fieldIgnoringCase(params, name);
  return entry === undefined ? [] : listCandidates(entry.value, pointer(paramsPath, entry.key));
}

function listCandidates(value: unknown, path: string): Candidate[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ value, path }];
  if (!Array.isArray(value)) throw wrongType(path, 'a string or an array of strings', value);
  return value.map((item: unknown, index) => ({ value: item, path: pointer(path, index) }));
}

/**
 * Instances among the candidates; ARNs of other resources are skipped. Each candidate is one instance reference:
 * a malformed one is poison on its own (its path and value in the entry), and the others still count.
 */
function instancesOf(
  candidates: readonly Candidate[],
  meta: EventMeta,
  ctx: DecodeContext,
): { locations: InstanceLocation[]; poisoned: number } {
  const locations: InstanceLocation[] = [];
  // The same malformed value in two places (referencedResources and responseElements) is one bad reference.
  const bad = new Set<unknown>();
  let poisoned = 0;
  for (const { value, path } of candidates) {
    if (value === undefined || value === null) continue;
    let ref: ResourceRef;
    try {
      ref = readResourceRef(value, path);
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      poisoned++;
      const key = typeof value === 'string' ? value : path;
      if (bad.has(key)) continue;
      bad.add(key);
      ctx.sink.addPoison({ error, ...idAndType(meta) });
      continue;
    }
    if (ref.kind === 'instance') locations.push(ref.location);
  }
  return { locations, poisoned };
}

/**
 * An object field that some trails serialise as a JSON string (cloud-facts EV-26, unknown for EventBridge): the string
 * is parsed, and if it is not a JSON object it is ignored — the ids are in `referencedResources` as well.
 */
function lenientObject(data: JsonObject, key: string, dataPath: string): JsonObject | undefined {
  const value = field(data, key);
  if (typeof value !== 'string') return optionalObject(data, key, dataPath);
  try {
    const parsed = parseJsonText(value, pointer(dataPath, key));
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export const isActionTrailRecord = (obj: JsonObject): boolean =>
  has(obj, 'eventName') &&
  (has(obj, 'serviceName') ||
    has(obj, 'eventType') ||
    has(obj, 'requestParameters') ||
    has(obj, 'referencedResources') ||
    has(obj, 'acsRegion') ||
    has(obj, 'userIdentity'));
