import type { EventDecodeError } from './decode-error.js';
import type { InstanceRef } from './instance-ref.js';
import type { InstanceLocation } from './resource-ids.js';

/**
 * Something that could not be decoded: a whole event (or batch element), or a single instance reference of an
 * event whose other references were decoded (then `error.path` and `error.value` name it, and there is no `event`).
 */
export interface PoisonEvent {
  error: EventDecodeError;
  /** The offending event as parsed JSON, or the raw text when it was not JSON; absent for a single reference. */
  event?: unknown;
  /**
   * The valid instance ids the event named, kept so that redrive can re-check them although the event could not
   * be decoded: every instance id or ECS instance ARN found anywhere in it (`salvage.ts`), or, for `TooLarge`, the
   * refs beyond the per-input budget. A region or account is set only where the event gave one for that id.
   */
  instances?: InstanceLocation[];
  eventId?: string;
  eventType?: string;
}

/** A well-formed event about something that is not an ECS instance (a disk, a timer…): nothing to do. */
export interface IgnoredEvent {
  eventId?: string;
  eventType?: string;
  reason: string;
}

export interface DecodedEvent {
  /** Unique by (regionId, instanceId): duplicates within one invocation collapse to the first. */
  refs: InstanceRef[];
  poison: PoisonEvent[];
  ignored: IgnoredEvent[];
}

export interface DecodeOptions {
  /** The function's own region, for events that carry none. */
  defaultRegionId: string;
  /** The function's own account, for events that carry none. */
  defaultAccountId?: string;
}
