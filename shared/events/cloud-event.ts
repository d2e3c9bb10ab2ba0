import { decodeActionTrail } from './actiontrail.js';
import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, readEventId, safeType, toIsoTime, UNKNOWN_EVENT_ID } from './event-meta.js';
import { decodeStateChange } from './instance-state.js';
import {
  field,
  has,
  isJsonObject,
  type JsonObject,
  optionalObject,
  optionalString,
  requiredString,
} from './json-fields.js';
import { readAccount, readRegion } from './locate.js';
import { decodeMnsMessage } from './mns-message.js';
import { subjectCandidate } from './resource-ids.js';
import { decodeTagChange } from './tag-change.js';
import { isSafeToken, pointer, quote } from './text.js';

/**
 * EventBridge CloudEvents 1.0 (`specversion`, `id`, `source`, `type`, `subject`, `time`, `data`, plus
 * `aliyunregionid`/`aliyunaccountid`). The `type` picks the reader; types this function does not act on are
 * ignored (well-formed events about something else are not poison).
 */

export const isCloudEvent = (obj: JsonObject): boolean =>
  has(obj, 'specversion') || (has(obj, 'type') && has(obj, 'source'));

const ACTIONTRAIL_TYPE = /^(?:([a-z0-9-]+):)?actiontrail:(?:apicall|consoleoperation|aliyunserviceevent)$/;

const TAG_CHANGE_TYPE = 'tag:changeonresource';

/** Whether the decoder acts on events of this (lower-cased) type; the others are ignored before anything else. */
const isKnownType = (lower: string): boolean =>
  lower === 'ecs:instance:statechange' ||
  ACTIONTRAIL_TYPE.test(lower) ||
  lower.includes(TAG_CHANGE_TYPE) ||
  lower === 'mns:queue:sendmessage';

export function decodeCloudEvent(event: JsonObject, path: string, ctx: DecodeContext): void {
  const type = requiredString(event, 'type', path, 'a CloudEvent has a type');
  optionalString(event, 'source', path); // not used to dispatch (type is), but a non-string one is malformed
  const id = readEventId(event, 'id', path);
  const lower = type.toLowerCase();
  if (!isKnownType(lower)) {
    // Another product's event is not ours to judge: its envelope fields are not read (the documentation's own
    // sample masks its account as `123456789098****`, cloud-facts EV-1).
    ctx.sink.addIgnored({
      eventId: id ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
      ...(isSafeToken(type) ? { eventType: type } : {}),
      reason: `CloudEvent type ${quote(type)} is not an instance state change, ActionTrail call or tag change`,
    });
    return;
  }
  const subject = optionalString(event, 'subject', path);
  const subjectPath = pointer(path, 'subject');
  const regionId = readRegion(event, 'aliyunregionid', path);
  // A routed event names its sender in aliyunoriginalaccountid; aliyunaccountid may be the receiver (AC-11, AC-12).
  const accountId =
    readAccount(event, 'aliyunoriginalaccountid', path) ?? readAccount(event, 'aliyunaccountid', path);
  const eventTime = toIsoTime(field(event, 'time'));
  const dataPath = pointer(path, 'data');
  const place = { regionId, accountId, path };

  const meta = (canonical: string): EventMeta => ({
    eventId: id ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
    eventType: safeType(type, canonical),
    ...(eventTime === undefined ? {} : { eventTime }),
  });

  if (lower === 'ecs:instance:statechange') {
    decodeStateChange(
      {
        body: optionalObject(event, 'data', path) ?? {},
        bodyPath: dataPath,
        extraCandidates: subjectCandidate(subject, subjectPath),
        place,
        meta: meta('ecs:Instance:StateChange'),
      },
      ctx,
    );
    return;
  }

  const actionTrail = ACTIONTRAIL_TYPE.exec(lower);
  if (actionTrail) {
    const data = optionalObject(event, 'data', path);
    if (data === undefined) throw missingData(dataPath);
    decodeActionTrail(
      {
        data,
        dataPath,
        // `actiontrail:` is the ActionTrail form's prefix, not a product (cloud-facts EV-11).
        typeService: actionTrail[1] === 'actiontrail' ? undefined : actionTrail[1],
        eventId: id,
        eventType: safeType(type, 'ActionTrail:ApiCall'),
        eventTime,
        subject: subjectCandidate(subject, subjectPath),
        envelopeRegionId: regionId,
        envelopeAccountId: accountId,
      },
      ctx,
    );
    return;
  }

  // EventBridge spelling unknown (plausibly source `acs.tag`, type `tag:Tag:ChangeOnResource`; cloud-facts
  // EV-20): match the name part.
  if (lower.includes(TAG_CHANGE_TYPE)) {
    const data = optionalObject(event, 'data', path);
    if (data === undefined) throw missingData(dataPath);
    // `data` is either the CloudMonitor `content` itself or the whole CloudMonitor-shaped event around it.
    const wrapped = field(data, 'content');
    const content = isJsonObject(wrapped) ? wrapped : data;
    decodeTagChange(
      {
        content,
        contentPath: isJsonObject(wrapped) ? pointer(dataPath, 'content') : dataPath,
        extraCandidates: [
          ...(content === data
            ? []
            : [{ value: field(data, 'resourceId'), path: pointer(dataPath, 'resourceId') }]),
          ...subjectCandidate(subject, subjectPath),
        ],
        place: { regionId: regionId ?? readRegion(data, 'regionId', dataPath), accountId, path },
        meta: meta('Tag:ChangeOnResource'),
      },
      ctx,
    );
    return;
  }

  decodeMnsMessage(event, path, id, ctx); // the one known type left: mns:Queue:SendMessage
}

function missingData(dataPath: string) {
  return new EventDecodeError(
    'InvalidEvent.MissingField',
    `${dataPath} is missing: the event carries no data`,
    dataPath,
  );
}
