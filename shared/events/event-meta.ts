import { EventDecodeError } from './decode-error.js';
import { field, type JsonObject, wrongType } from './json-fields.js';
import { isSafeToken, pointer, quote } from './text.js';

/** What every ref carries about the event that named it. */
export interface EventMeta {
  eventId: string;
  eventType: string;
  eventTime?: string;
}

/** The `eventId` of a ref whose event carries no id at all (RawData, a bare ActionTrail record without one). */
export const UNKNOWN_EVENT_ID = 'unknown';

/**
 * An event id field: absent → undefined; a non-string is `WrongType`; a string that is not a safe token
 * (control characters, over 256 characters…) is `InvalidEvent.EventId` — it would be copied into refs, logs and
 * dead-letter records, and no genuine Alibaba Cloud event has one like that.
 */
export function readEventId(obj: JsonObject, key: string, path: string): string | undefined {
  const value = field(obj, key);
  if (value === undefined || value === null || value === '') return undefined;
  const at = pointer(path, key);
  if (typeof value !== 'string') throw wrongType(at, 'a string', value);
  if (!isSafeToken(value)) {
    throw new EventDecodeError(
      'InvalidEvent.EventId',
      `event id ${quote(value)} at ${at} is not printable ASCII of at most 256 characters`,
      at,
      { value },
    );
  }
  return value;
}

/** The event's own type if it is safe to copy, else the canonical spelling the decoder matched it as. */
export function safeType(type: string | undefined, canonical: string): string {
  return isSafeToken(type) ? type : canonical;
}

/** ISO-8601 with a zone (`2026-11-29T04:00:00Z`, `…+08:00`, fractions allowed). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** CloudMonitor's compact form: `20261129T120114.058+0800`. */
const CMS_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An event time as a normalised UTC ISO string (`toISOString()`), or undefined when the value is absent or not
 * a recognisable time. A time is only a hint (it spaces out retries for brand-new instances), so a bad one is
 * dropped rather than poisoning the event; `aliyunpublishtime` is never read (it is not always ISO-8601).
 */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  let iso: string | undefined;
  if (ISO_TIME.test(value)) {
    iso = value;
  } else {
    const m = CMS_TIME.exec(value);
    // A CMS time without a zone is assumed to be China Standard Time, the zone CloudMonitor samples use.
    if (m) {
      const zone = (m[8] ?? '+08:00').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
      iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${zone}`;
    }
  }
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** The id/type part of an IgnoredEvent. */
export function idAndType(meta: EventMeta): { eventId: string; eventType: string } {
  return { eventId: meta.eventId, eventType: meta.eventType };
}
