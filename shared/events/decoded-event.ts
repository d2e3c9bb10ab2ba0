import type { EventDecodeError } from './decode-error.js';
import type { InstanceRef } from './instance-ref.js';

/** An event (or one element of a batch) that could not be decoded. */
export interface PoisonEvent {
  error: EventDecodeError;
  /** The offending event as parsed JSON, or the raw text when it was not JSON. */
  event: unknown;
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
