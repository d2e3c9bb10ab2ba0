import { isAccountId, isRegionId } from '../ecs/ids.js';
import type { DecodeContext } from './decode-context.js';
import { EventDecodeError } from './decode-error.js';
import type { EventMeta } from './event-meta.js';
import type { InstanceRef, RefReason } from './instance-ref.js';
import { type JsonObject, optionalString } from './json-fields.js';
import type { InstanceLocation } from './resource-ids.js';
import { pointer, quote } from './text.js';

/**
 * Region and account of a ref. An event's explicit fields win (in the order each envelope lists them), then the
 * instance's own ARN, then the function's defaults. Every region/account field an envelope offers is validated
 * when present, even if an earlier one already decided: a malformed one marks the event as untrustworthy.
 */

/** A region field: absent → undefined; present but not a region id → `InvalidEvent.RegionId`. */
export function readRegion(obj: JsonObject | undefined, key: string, path: string): string | undefined {
  if (obj === undefined) return undefined;
  const value = optionalString(obj, key, path);
  if (value === undefined || value === '') return undefined;
  if (!isRegionId(value)) {
    const at = pointer(path, key);
    throw new EventDecodeError(
      'InvalidEvent.RegionId',
      `${at}: ${quote(value)} is not a valid region id`,
      at,
      { value },
    );
  }
  return value;
}

/** An account (UID) field: absent → undefined; present but not digits → `InvalidEvent.AccountId`. */
export function readAccount(obj: JsonObject | undefined, key: string, path: string): string | undefined {
  if (obj === undefined) return undefined;
  const value = optionalString(obj, key, path);
  if (value === undefined || value === '') return undefined;
  if (!isAccountId(value)) {
    const at = pointer(path, key);
    throw new EventDecodeError(
      'InvalidEvent.AccountId',
      `${at}: ${quote(value)} is not a valid account id`,
      at,
      { value },
    );
  }
  return value;
}

/** The first defined value. */
export const firstOf = (...values: (string | undefined)[]): string | undefined =>
  values.find((value) => value !== undefined);

export interface RefPlace {
  /** The event's explicit region/account, already validated (undefined when it gives none). */
  regionId?: string;
  accountId?: string;
  /** Where to point a region/account error caused by the defaults. */
  path: string;
}

/** Builds a ref, filling region/account from the ARN, then the defaults (validated: refs are always valid). */
export function makeRef(
  location: InstanceLocation,
  place: RefPlace,
  meta: EventMeta,
  reason: RefReason,
  ctx: DecodeContext,
): InstanceRef {
  const regionId = place.regionId ?? location.regionId ?? ctx.options.defaultRegionId;
  if (!isRegionId(regionId)) {
    throw new EventDecodeError(
      'InvalidEvent.RegionId',
      `the event names no region and the default region ${quote(String(regionId))} is not a valid region id`,
      place.path,
    );
  }
  const accountId = place.accountId ?? location.accountId ?? ctx.options.defaultAccountId;
  if (accountId !== undefined && !isAccountId(accountId)) {
    throw new EventDecodeError(
      'InvalidEvent.AccountId',
      `the event names no account and the default account ${quote(String(accountId))} is not a valid account id`,
      place.path,
    );
  }
  return {
    regionId,
    ...(accountId === undefined ? {} : { accountId }),
    instanceId: location.instanceId,
    reason,
    eventId: meta.eventId,
    eventType: meta.eventType,
    ...(meta.eventTime === undefined ? {} : { eventTime: meta.eventTime }),
  };
}
