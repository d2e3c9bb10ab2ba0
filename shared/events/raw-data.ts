import { decodeActionTrail, isActionTrailRecord } from './actiontrail.js';
import type { DecodeContext } from './decode-context.js';
import { type EventMeta, UNKNOWN_EVENT_ID } from './event-meta.js';
import { decodeStateChange } from './instance-state.js';
import { field, has, isJsonObject, type JsonObject } from './json-fields.js';
import { readAccount, readRegion } from './locate.js';
import { decodeMnsData, isMnsMessageData } from './mns-message.js';
import { decodeTagChange } from './tag-change.js';

/**
 * EventBridge targets with `eventSchema: RawData` receive only the CloudEvent's `data`, so there is no `type` to
 * go by: the object is recognised by its fields. Assumptions, one per branch:
 * - `eventName` plus ActionTrail's other fields (`serviceName`, `requestParameters`…) → an ActionTrail record;
 * - `messageBody` → the data of an MNS message event (buffered delivery configured with RawData);
 * - `changedTagKeys`, or `product` with `resourceType` → a `Tag:ChangeOnResource` content;
 * - `resourceId`, `resourceType`, `state` or a `content` object → an `Instance:StateChange` payload.
 * Returns false when none matches (the caller reports an unknown envelope).
 */
export function decodeRawData(obj: JsonObject, path: string, ctx: DecodeContext): boolean {
  const meta = (eventType: string): EventMeta => ({
    eventId: ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
    eventType,
  });

  if (isActionTrailRecord(obj)) {
    decodeActionTrail({ data: obj, dataPath: path, eventType: 'raw:ActionTrail', subject: [] }, ctx);
    return true;
  }
  if (isMnsMessageData(obj)) {
    decodeMnsData(obj, path, undefined, ctx);
    return true;
  }
  if (has(obj, 'changedTagKeys') || (has(obj, 'product') && has(obj, 'resourceType'))) {
    const place = {
      regionId: readRegion(obj, 'regionId', path),
      accountId: readAccount(obj, 'userId', path),
      path,
    };
    decodeTagChange(
      { content: obj, contentPath: path, extraCandidates: [], place, meta: meta('raw:Tag:ChangeOnResource') },
      ctx,
    );
    return true;
  }
  if (
    has(obj, 'resourceId') ||
    has(obj, 'resourceType') ||
    has(obj, 'state') ||
    isJsonObject(field(obj, 'content'))
  ) {
    const place = {
      regionId: readRegion(obj, 'regionId', path),
      accountId: readAccount(obj, 'userId', path),
      path,
    };
    decodeStateChange(
      { body: obj, bodyPath: path, extraCandidates: [], place, meta: meta('raw:Instance:StateChange') },
      ctx,
    );
    return true;
  }
  return false;
}
