import type { DecodeContext } from './decode-context.js';
import { type EventMeta, readEventId, safeType, toIsoTime, UNKNOWN_EVENT_ID } from './event-meta.js';
import { decodeStateChange } from './instance-state.js';
import { field, has, type JsonObject, optionalObject, requiredString } from './json-fields.js';
import { readAccount, readRegion } from './locate.js';
import { decodeTagChange } from './tag-change.js';
import { isSafeToken, pointer, quote } from './text.js';

/**
 * CloudMonitor (CMS) system events: `{ver, id, product, name, level, regionId, userId, resourceId (an ARN),
 * eventTime (20181226T220114.058+0800), content}`. `ECS` `Instance:StateChange` and `tag`
 * `Tag:ChangeOnResource` name instances; every other product/name is ignored.
 */

export const isCmsEvent = (obj: JsonObject): boolean => has(obj, 'product') && has(obj, 'name');

export function decodeCmsEvent(event: JsonObject, path: string, ctx: DecodeContext): void {
  const product = requiredString(event, 'product', path, 'a CloudMonitor event names its product');
  const name = requiredString(event, 'name', path, 'a CloudMonitor event has a name');
  const id = readEventId(event, 'id', path);
  const regionId = readRegion(event, 'regionId', path);
  const accountId = readAccount(event, 'userId', path);
  const contentPath = pointer(path, 'content');
  const content = optionalObject(event, 'content', path) ?? {};
  const eventTime = toIsoTime(field(event, 'eventTime'));
  const fullName = `${product}:${name}`;
  const meta = (canonical: string): EventMeta => ({
    eventId: id ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
    eventType: safeType(fullName, canonical),
    ...(eventTime === undefined ? {} : { eventTime }),
  });
  const place = { regionId, accountId, path };
  const resourceArn = [{ value: field(event, 'resourceId'), path: pointer(path, 'resourceId') }];
  const key = fullName.toLowerCase();

  if (key === 'ecs:instance:statechange') {
    decodeStateChange(
      {
        body: content,
        bodyPath: contentPath,
        extraCandidates: resourceArn,
        place,
        meta: meta('ECS:Instance:StateChange'),
      },
      ctx,
    );
    return;
  }
  if (key === 'tag:tag:changeonresource') {
    decodeTagChange(
      { content, contentPath, extraCandidates: resourceArn, place, meta: meta('tag:Tag:ChangeOnResource') },
      ctx,
    );
    return;
  }
  ctx.sink.addIgnored({
    eventId: id ?? ctx.fallbackEventId ?? UNKNOWN_EVENT_ID,
    ...(isSafeToken(fullName) ? { eventType: fullName } : {}),
    reason: `CloudMonitor event ${quote(fullName)} is not an instance state change or tag change`,
  });
}
