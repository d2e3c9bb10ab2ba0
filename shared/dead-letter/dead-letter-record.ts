import type { ErrorClass } from '../errors/app-error.js';

/** Every kind of dead-letter record (the design's "Dead-letter record"). */
export const DEAD_LETTER_KINDS = [
  'attach-failed',
  'replace-failed',
  'deadline',
  'conflict',
  'poison',
] as const;
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];

/** One MNS message per instance (design: "Dead-letter record"); `poison` records carry the event instead. */
export interface DeadLetterRecord {
  kind: DeadLetterKind;
  version: 1;
  at: string;
  accountId?: string;
  regionId?: string;
  instanceId?: string;
  desiredRole?: string | null;
  currentRole?: string | null;
  /** `replace-failed` only: the role that was detached before the attach failed. */
  previousRole?: string;
  rule?: string;
  error: { code: string; message: string; class: ErrorClass; requestId?: string };
  attempts: number;
  source: { eventId?: string; eventType?: string; fcRequestId: string };
  /** `poison` only: the event that could not be decoded, truncated to fit. */
  event?: unknown;
}

/** MNS takes at most 64 KB per message; the body is base64, which grows by 4/3. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_JSON_BYTES = Math.floor((MAX_MESSAGE_BYTES * 3) / 4) - 16;
const MAX_MESSAGE_CHARS = 2_000;

/**
 * Serialises a record as the MNS message body: base64 of its JSON (MNS rejects some characters in raw bodies).
 * Whatever the input, the result fits in one message: long error messages are cut, and a poison event too
 * big to keep whole is replaced by its first characters and its original size.
 */
export function encodeRecord(record: DeadLetterRecord): string {
  const bounded: DeadLetterRecord = {
    ...record,
    error: { ...record.error, message: truncate(record.error.message, MAX_MESSAGE_CHARS) },
  };
  let json = JSON.stringify(bounded);
  if (Buffer.byteLength(json) > MAX_JSON_BYTES && record.event !== undefined) {
    const eventText = typeof record.event === 'string' ? record.event : (JSON.stringify(record.event) ?? '');
    const overhead = Buffer.byteLength(JSON.stringify({ ...bounded, event: undefined })) + 200;
    // JSON-escaping can grow text up to 6× (\uXXXX); keep a conservative head.
    const keep = Math.max(0, Math.floor((MAX_JSON_BYTES - overhead) / 6));
    json = JSON.stringify({
      ...bounded,
      event: {
        truncated: true,
        originalBytes: Buffer.byteLength(eventText),
        head: truncate(eventText, keep),
      },
    });
  }
  return Buffer.from(json, 'utf8').toString('base64');
}

export function decodeRecordBody(body: string): unknown {
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
