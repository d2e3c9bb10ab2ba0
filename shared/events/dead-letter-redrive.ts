import {
  DEAD_LETTER_KINDS,
  isDeadLetterKind,
  parseRecord,
  type RecordProblem,
} from '../dead-letter/dead-letter-record.js';
import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, toIsoTime, UNKNOWN_EVENT_ID } from './event-meta.js';
import { field, has, type JsonObject, requiredString } from './json-fields.js';
import { makeRef } from './locate.js';
import { pointer, quote } from './text.js';

/**
 * This project's own dead-letter records fed back in for redrive, read with their one schema
 * (`shared/dead-letter/dead-letter-record.ts`). A per-instance record becomes a `redrive` ref for its instance
 * (the decision is made again from the tags now). A `poison` record is never replayed as an event — it could not
 * be decoded then and will not be now — but the instance ids it kept become `redrive` refs, so an undecodable
 * event loses no instance; a poison record without ids is ignored.
 */

export const isDeadLetterRecord = (obj: JsonObject): boolean => has(obj, 'kind') && has(obj, 'version');

export function decodeDeadLetterRecord(value: JsonObject, path: string, ctx: DecodeContext): void {
  const kind = requiredString(value, 'kind', path, 'a dead-letter record has a kind');
  const version = field(value, 'version');
  if (version !== 1) {
    const at = pointer(path, 'version');
    throw new EventDecodeError(
      'InvalidEvent.UnsupportedVersion',
      `${at}: dead-letter record version ${typeof version === 'number' ? version : quote(String(version))} is not 1`,
      at,
      { value: version },
    );
  }
  if (!isDeadLetterKind(kind)) {
    const at = pointer(path, 'kind');
    throw new EventDecodeError(
      'InvalidEvent.UnknownEnvelope',
      `${at}: dead-letter kind ${quote(kind)} is not ${DEAD_LETTER_KINDS.join(', ')}`,
      at,
      { value: kind },
    );
  }
  const parsed = parseRecord(value);
  if (!parsed.success) throw decodeErrorOf(parsed.problems, value, path);
  const record = parsed.record;
  const eventId = record.source.eventId ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID;
  const eventTime = toIsoTime(record.at);
  const meta: EventMeta = {
    eventId,
    eventType: `dead-letter:${record.kind}`,
    ...(eventTime === undefined ? {} : { eventTime }),
  };
  const place = { regionId: record.regionId, accountId: record.accountId, path };

  if (record.kind !== 'poison') {
    ctx.sink.addRef(makeRef({ instanceId: record.instanceId }, place, meta, 'redrive', ctx));
    return;
  }
  const ids = record.instanceIds ?? [];
  if (ids.length === 0) {
    ctx.sink.addIgnored({
      eventId,
      eventType: meta.eventType,
      reason: 'poison dead-letter record naming no valid instance: an undecodable event is never replayed',
    });
    return;
  }
  for (const instanceId of ids) ctx.sink.addRef(makeRef({ instanceId }, place, meta, 'redrive', ctx));
}

/**
 * The record's most telling problem as the decoder's error: what names the instance first (no instance, a
 * malformed id), then region and account, then the first other field.
 */
function decodeErrorOf(
  problems: readonly RecordProblem[],
  value: JsonObject,
  path: string,
): EventDecodeError {
  const top = (p: RecordProblem) => p.path[0];
  const instance = problems.find((p) => top(p) === 'instanceId' || top(p) === 'instanceIds');
  if (instance?.problem === 'missing') {
    return new EventDecodeError(
      'InvalidEvent.NoInstance',
      `dead-letter record has no instanceId at ${pointer(path, 'instanceId')}`,
      path,
    );
  }
  const problem =
    instance ??
    problems.find((p) => top(p) === 'regionId') ??
    problems.find((p) => top(p) === 'accountId') ??
    problems.find((p) => top(p) === 'source' && p.path[1] === 'eventId') ??
    problems[0];
  if (problem === undefined) {
    return new EventDecodeError(
      'InvalidEvent.WrongType',
      `${path || 'the record'} is not a dead-letter record`,
      path,
    );
  }
  const at = problem.path.reduce<string>(
    (p, key) => pointer(p, typeof key === 'number' ? key : String(key)),
    path,
  );
  const offending = problem.path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null && typeof key !== 'symbol' && Object.hasOwn(node, key)
        ? Reflect.get(node, key)
        : undefined,
    value,
  );
  const message =
    problem.problem === 'format'
      ? `${at}: ${quote(String(offending))} is ${problem.message}`
      : problem.problem === 'missing'
        ? `${at} is missing: every dead-letter record has it`
        : `${at} ${problem.message}`;
  if (problem.problem === 'missing') return new EventDecodeError('InvalidEvent.MissingField', message, at);
  const options = { value: offending };
  if (problem.problem === 'type') return new EventDecodeError('InvalidEvent.WrongType', message, at, options);
  const code =
    top(problem) === 'instanceId' || top(problem) === 'instanceIds'
      ? 'InvalidEvent.InstanceId'
      : top(problem) === 'regionId'
        ? 'InvalidEvent.RegionId'
        : top(problem) === 'accountId'
          ? 'InvalidEvent.AccountId'
          : top(problem) === 'source' && problem.path[1] === 'eventId'
            ? 'InvalidEvent.EventId'
            : 'InvalidEvent.WrongType';
  return new EventDecodeError(code, message, at, options);
}
