import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, idAndType } from './event-meta.js';
import { field, type JsonObject, optionalString } from './json-fields.js';
import { makeRef, type RefPlace } from './locate.js';
import { type Candidate, isInstanceResourceType, resolveInstance } from './resource-ids.js';
import { pointer, quote } from './text.js';

/**
 * The Tag service's `Tag:ChangeOnResource` event: `content{product: "ecs", resourceType: "instance",
 * resourceId: "i-…", changedTagKeys, tags}` (field names as an Alibaba OOS public template reads them). Arrives
 * as a CloudMonitor event (product `tag`), as a CloudEvent (spelling unknown, cloud-facts EV-20: `type` containing
 * `Tag:ChangeOnResource`, `data` = the content or `{content}`), or as RawData. The tags in the event are never
 * used: only which instance changed.
 */

export interface TagChangeSource {
  content: JsonObject;
  contentPath: string;
  /** Id candidates outside the content: the CloudMonitor `resourceId` ARN, a CloudEvent `subject`. */
  extraCandidates: readonly Candidate[];
  place: RefPlace;
  meta: EventMeta;
}

export function decodeTagChange(source: TagChangeSource, ctx: DecodeContext): void {
  const { content, contentPath, meta } = source;
  const product = optionalString(content, 'product', contentPath);
  if (product !== undefined && product.toLowerCase() !== 'ecs') {
    ctx.sink.addIgnored({ ...idAndType(meta), reason: `tag change on product ${quote(product)}, not ECS` });
    return;
  }
  const resourceType = optionalString(content, 'resourceType', contentPath);
  if (resourceType !== undefined && !isInstanceResourceType(resourceType)) {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `tag change on ${quote(resourceType)}, not an ECS instance`,
    });
    return;
  }
  const resolved = resolveInstance([
    { value: field(content, 'resourceId'), path: pointer(contentPath, 'resourceId') },
    ...source.extraCandidates,
  ]);
  if (resolved === undefined) {
    throw new EventDecodeError(
      'InvalidEvent.NoInstance',
      `tag change event names no instance (no resourceId) at ${contentPath || '/'}`,
      contentPath,
    );
  }
  if (resolved.kind === 'other') {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `tag change on ${resolved.description}, not an ECS instance`,
    });
    return;
  }
  ctx.sink.addRef(makeRef(resolved.location, source.place, meta, 'tag-change', ctx));
}
