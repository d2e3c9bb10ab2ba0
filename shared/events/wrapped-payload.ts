import { EventDecodeError } from './decode-error.js';
import { wrongType } from './json-fields.js';
import { parseJsonText } from './parse-json.js';

/**
 * A payload carried inside another envelope: an FC onFailure record's `requestPayload` (a JSON string per Alibaba
 * samples), an MNS message body (base64 JSON when this project or EventBridge wrote it). Accepted as a JSON
 * string, a base64-encoded JSON string (whether FC base64-encodes records sent to an MNS destination is
 * unconfirmed), or an already parsed object/array.
 */

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function unwrapPayload(value: unknown, path: string): unknown {
  if (typeof value === 'object' && value !== null) return value;
  if (typeof value !== 'string') throw wrongType(path, 'a JSON string or object', value);
  const text = value.trim();
  if (text.startsWith('{') || text.startsWith('[')) return parseJsonText(text, path);
  if (text.length % 4 === 0 && BASE64.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
    if (decoded.startsWith('{') || decoded.startsWith('[')) {
      return parseJsonText(decoded, path);
    }
  }
  throw new EventDecodeError(
    'InvalidEvent.NotJson',
    `${path} is neither JSON nor base64-encoded JSON (${text.length} characters)`,
    path,
  );
}
