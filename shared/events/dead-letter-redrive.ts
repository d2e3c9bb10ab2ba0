import { isInstanceId } from '../ecs/ids.js';
import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, readEventId, toIsoTime, UNKNOWN_EVENT_ID } from './event-meta.js';
import { field, has, type JsonObject, optionalObject, requiredString, wrongType } from './json-fields.js';
import { makeRef, readAccount, readRegion } from './locate.js';
import { pointer, quote } from './text.js';

/**
 * This project's own dead-letter records fed back in for redrive (design.md, "Dead-letter record"):
 * `{kind, version: 1, at, accountId, regionId, instanceId, …, source{eventId, eventType, fcRequestId}}`.
 * `attach-failed`, `replace-failed`, `deadline` and `conflict` become a `redrive` ref for that instance (the
 * decision is made again from the tags now). A `poison` record is ignored, never replayed: the event in it could
 * not be decoded then and will not be now, and replaying it would loop it back into the dead-letter queue.
 */

const REDRIVE_KINDS = new Set(['attach-failed', 'replace-failed', 'deadline', 'conflict']);

export const isDeadLetterRecord = (obj: JsonObject): boolean => has(obj, 'kind') && has(obj, 'version');

export function decodeDeadLetterRecord(record: JsonObject, path: string, ctx: DecodeContext): void {
  const kind = requiredString(record, 'kind', path, 'a dead-letter record has a kind');
  const version = field(record, 'version');
  if (version !== 1) {
    const at = pointer(path, 'version');
    throw new EventDecodeError(
      'InvalidEvent.UnsupportedVersion',
      `${at}: dead-letter record version ${typeof version === 'number' ? version : quote(String(version))} is not 1`,
      at,
    );
  }
  const source = optionalObject(record, 'source', path);
  const eventId =
    (source && readEventId(source, 'eventId', pointer(path, 'source'))) ??
    ctx.fallbackEventId ??
    UNKNOWN_EVENT_ID;

  if (kind === 'poison') {
    ctx.sink.addIgnored({
      eventId,
      eventType: 'dead-letter:poison',
      reason: 'poison dead-letter record: an undecodable event is never replayed',
    });
    return;
  }
  if (!REDRIVE_KINDS.has(kind)) {
    const at = pointer(path, 'kind');
    throw new EventDecodeError(
      'InvalidEvent.UnknownEnvelope',
      `${at}: dead-letter kind ${quote(kind)} is not attach-failed, replace-failed, deadline, conflict or poison`,
      at,
    );
  }

  const instancePath = pointer(path, 'instanceId');
  const instanceId = field(record, 'instanceId');
  if (instanceId === undefined || instanceId === null) {
    throw new EventDecodeError(
      'InvalidEvent.NoInstance',
      `dead-letter record has no instanceId at ${instancePath}`,
      path,
    );
  }
  if (typeof instanceId !== 'string') throw wrongType(instancePath, 'a string', instanceId);
  if (!isInstanceId(instanceId)) {
    throw new EventDecodeError(
      'InvalidEvent.InstanceId',
      `${instancePath}: ${quote(instanceId)} is not a valid ECS instance id`,
      instancePath,
    );
  }
  const eventTime = toIsoTime(field(record, 'at'));
  const meta: EventMeta = {
    eventId,
    eventType: `dead-letter:${kind}`,
    ...(eventTime === undefined ? {} : { eventTime }),
  };
  const place = {
    regionId: readRegion(record, 'regionId', path),
    accountId: readAccount(record, 'accountId', path),
    path,
  };
  ctx.sink.addRef(makeRef({ instanceId }, place, meta, 'redrive', ctx));
}
