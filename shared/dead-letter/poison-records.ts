import type { PoisonEvent } from '../events/decoded-event.js';
import { MAX_JSON_DEPTH } from '../events/limits.js';
import { exceedsDepth } from '../events/parse-json.js';
import { boundRecord, jsonBytes, MAX_RECORD_JSON_BYTES, type PoisonRecord } from './dead-letter-record.js';

/** Where and when the records are written. */
export interface PoisonContext {
  fcRequestId: string;
  /** The function's own account and region: a record's, unless the instances it keeps are elsewhere. */
  accountId: string;
  regionId: string;
  /** ISO-8601. */
  at: string;
}

/**
 * Room kept in the first of several records for the head of the event (the rest of each record is ids), so that
 * whoever reads it still sees what the event was. `encodeRecord` cuts the event to what is left.
 */
const EVENT_HEAD_BYTES = 4 * 1024;
/** JSON of one id in the list: the quotes and the comma. */
const ID_OVERHEAD_BYTES = 3;

/**
 * The dead-letter records of one poison entry. Usually one; more when the instance ids it keeps do not fit one
 * MNS message (cloud-facts MNS-7: 64 KB): the ids are then split over records numbered `part` k of n, each
 * holding whole ids (ids are never cut, the event may be), and ids in another region or account than the
 * function's go in records of their own. Every record this returns fits in one message.
 */
export function poisonRecords(poison: PoisonEvent, context: PoisonContext): PoisonRecord[] {
  const base = boundRecord<PoisonRecord>({
    kind: 'poison',
    version: 1,
    at: context.at,
    accountId: context.accountId,
    regionId: context.regionId,
    error: { code: poison.error.code, message: poison.error.message, class: 'permanent' },
    attempts: 1,
    source: {
      ...(poison.eventId === undefined ? {} : { eventId: poison.eventId }),
      ...(poison.eventType === undefined ? {} : { eventType: poison.eventType }),
      fcRequestId: context.fcRequestId,
    },
    ...(poison.error.path === '' ? {} : { path: poison.error.path }),
    ...(poison.error.value === undefined ? {} : { value: poison.error.value }),
  });
  const event = recordedEvent(poison.event);
  const withEvent = (record: PoisonRecord): PoisonRecord =>
    event === undefined ? record : { ...record, event };

  const groups = groupByPlace(poison.instances ?? [], context);
  if (groups.length === 0) return [withEvent(base)];
  const chunks = groups.flatMap((group, index) => chunk(base, group, index === 0));
  if (chunks.length === 1) {
    const [only] = chunks;
    if (only !== undefined) return [withEvent(only)];
  }
  return chunks.map((record, index) => {
    const part = { ...record, part: { index: index + 1, count: chunks.length } };
    return index === 0 ? withEvent(part) : part;
  });
}

/**
 * Levels a record (and the batch redrive sends it in) puts around the event. An event nested deeper than the
 * decoder's limit minus these is kept as its JSON text, or the record could not be fed back in for redrive.
 */
const RECORD_NESTING = 4;

function recordedEvent(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return event;
  return exceedsDepth(event, MAX_JSON_DEPTH - RECORD_NESTING) ? JSON.stringify(event) : event;
}

interface Group {
  regionId: string;
  accountId: string;
  instanceIds: string[];
}

/** Ids by (region, account), in the order first seen, each id once per place. */
function groupByPlace(instances: NonNullable<PoisonEvent['instances']>, context: PoisonContext): Group[] {
  const groups = new Map<string, Group & { seen: Set<string> }>();
  for (const instance of instances) {
    const regionId = instance.regionId ?? context.regionId;
    const accountId = instance.accountId ?? context.accountId;
    const key = `${regionId}/${accountId}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { regionId, accountId, instanceIds: [], seen: new Set() };
      groups.set(key, group);
    }
    if (group.seen.has(instance.instanceId)) continue;
    group.seen.add(instance.instanceId);
    group.instanceIds.push(instance.instanceId);
  }
  return [...groups.values()].map(({ regionId, accountId, instanceIds }) => ({
    regionId,
    accountId,
    instanceIds,
  }));
}

/** One group's ids as records that each fit, the very first leaving room for the event's head. */
function chunk(base: PoisonRecord, group: Group, first: boolean): PoisonRecord[] {
  const empty: PoisonRecord = {
    ...base,
    regionId: group.regionId,
    accountId: group.accountId,
    instanceIds: [],
    // The widest part numbers the record can get, so that adding them later cannot overflow it.
    part: { index: Number.MAX_SAFE_INTEGER, count: Number.MAX_SAFE_INTEGER },
  };
  const room = MAX_RECORD_JSON_BYTES - jsonBytes(empty);
  const records: PoisonRecord[] = [];
  let ids: string[] = [];
  let used = 0;
  let budget = first ? room - EVENT_HEAD_BYTES : room;
  for (const id of group.instanceIds) {
    const bytes = Buffer.byteLength(id) + ID_OVERHEAD_BYTES;
    if (ids.length > 0 && used + bytes > budget) {
      records.push({ ...base, regionId: group.regionId, accountId: group.accountId, instanceIds: ids });
      ids = [];
      used = 0;
      budget = room;
    }
    ids.push(id);
    used += bytes;
  }
  records.push({ ...base, regionId: group.regionId, accountId: group.accountId, instanceIds: ids });
  return records;
}
