/**
 * Helpers that make untrusted strings safe to put in messages, paths and refs. Values from events are quoted
 * (ASCII only, control and non-ASCII characters escaped, truncated), never interpolated raw: error messages end
 * up in logs, dead-letter records and alerts.
 */

const QUOTE_MAX_CHARS = 80;

/** `"i-abc\u0000..."` — a JSON-like, printable-ASCII rendering of an untrusted string, truncated. */
export function quote(value: string, maxChars = QUOTE_MAX_CHARS): string {
  const head = value.length > maxChars ? value.slice(0, maxChars) : value;
  let out = '"';
  for (let i = 0; i < head.length; i++) {
    const code = head.charCodeAt(i);
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += '\\\\';
    else if (code >= 0x20 && code <= 0x7e) out += head[i];
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  out += '"';
  return value.length > maxChars ? `${out}...(${value.length} chars)` : out;
}

/** `string`, `number`, `array`, `null`… for "must be a string, got array" messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Appends one JSON-pointer segment (`~` and `/` escaped as RFC 6901 says). */
export function pointer(path: string, key: string | number): string {
  const segment = typeof key === 'number' ? String(key) : key.replace(/~/g, '~0').replace(/\//g, '~1');
  return `${path}/${segment}`;
}

/**
 * Printable ASCII, 1–256 characters, no leading or trailing space: what an event id or type may be before it is
 * copied into a ref. Alibaba's ids are UUIDs or hex; anything else is not worth the risk of a log injection.
 */
const SAFE_TOKEN = /^[!-~](?:[ -~]{0,254}[!-~])?$/;

export const isSafeToken = (value: unknown): value is string =>
  typeof value === 'string' && SAFE_TOKEN.test(value);

/** Keeps the head of a long text (for poison records), saying how much was cut. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…(truncated, ${text.length} chars in all)`;
}
