import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import { type EventMeta, idAndType } from './event-meta.js';
import type { RefReason } from './instance-ref.js';
import { field, type JsonObject, optionalObject, optionalString } from './json-fields.js';
import { makeRef, type RefPlace } from './locate.js';
import { type Candidate, isInstanceResourceType, resolveInstance } from './resource-ids.js';
import { pointer, quote } from './text.js';

/**
 * `Instance:StateChange` payloads, however they arrive: a CloudEvent's `data`, a CloudMonitor event's `content`,
 * or RawData. The payload is believed to be `{resourceId, resourceType, state}` (unknown: cloud-facts EV-8); a
 * public consumer of the EventBridge form reads `data.content.*` first, so `data` may also wrap the CloudMonitor
 * shape — both are read. The states are inferred (EV-9).
 *
 * States: `Pending`, `Created`, `Starting`, `Running` → reason `created` (the NotFound grace period for new
 * instances applies). `Deleted` → ignored: nothing can be attached to a released instance. Any other state
 * (`Stopping`, `Stopped`, unknown) → reason `state-change`: the instance still exists and looking at it is cheap
 * and repairs whatever an earlier event missed.
 */

const CREATION_STATES = new Set(['pending', 'created', 'starting', 'running']);
/** States only a launch passes through: a restart goes Stopped → Starting → Running (cloud-facts ECS-34). */
const LAUNCH_STATES = new Set(['pending', 'created']);

/** The ref reason for a state, or undefined when the state means there is nothing to do. */
export function reasonForState(state: string | undefined): RefReason | undefined {
  const normalised = state?.toLowerCase();
  if (normalised === 'deleted') return undefined;
  return normalised !== undefined && CREATION_STATES.has(normalised) ? 'created' : 'state-change';
}

export interface StateChangeSource {
  /** The payload (`data`, `content`, or the raw object) and its path. */
  body: JsonObject;
  bodyPath: string;
  /** Id candidates outside the payload, tried after it: CloudEvents `subject`, CloudMonitor `resourceId` ARN. */
  extraCandidates: readonly Candidate[];
  place: RefPlace;
  meta: EventMeta;
}

export function decodeStateChange(source: StateChangeSource, ctx: DecodeContext): void {
  const { body, bodyPath, meta } = source;
  const contentPath = pointer(bodyPath, 'content');
  const content = optionalObject(body, 'content', bodyPath);

  const resourceType =
    optionalString(body, 'resourceType', bodyPath) ??
    (content && optionalString(content, 'resourceType', contentPath));
  if (resourceType !== undefined && !isInstanceResourceType(resourceType)) {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `state change of ${quote(resourceType)}, not an ECS instance`,
    });
    return;
  }

  const state =
    optionalString(body, 'state', bodyPath) ?? (content && optionalString(content, 'state', contentPath));
  const reason = reasonForState(state);
  if (reason === undefined) {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: 'instance state Deleted: nothing to attach a role to',
    });
    return;
  }

  const resolved = resolveInstance([
    { value: field(body, 'resourceId'), path: pointer(bodyPath, 'resourceId') },
    ...(content ? [{ value: field(content, 'resourceId'), path: pointer(contentPath, 'resourceId') }] : []),
    ...source.extraCandidates,
  ]);
  if (resolved === undefined) {
    throw new EventDecodeError(
      'InvalidEvent.NoInstance',
      `instance state change names no instance (no resourceId, content.resourceId or ARN subject) at ${bodyPath || '/'}`,
      bodyPath,
    );
  }
  if (resolved.kind === 'other') {
    ctx.sink.addIgnored({
      ...idAndType(meta),
      reason: `state change of ${resolved.description}, not an ECS instance`,
    });
    return;
  }
  const ref = makeRef(resolved.location, source.place, meta, reason, ctx);
  ctx.sink.addRef(LAUNCH_STATES.has(state?.toLowerCase() ?? '') ? { ...ref, launch: true } : ref);
}
