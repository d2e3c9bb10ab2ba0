import type { DecodeContext } from './decode-context.js';
import { field, has, type JsonObject, missingField, optionalObject } from './json-fields.js';
import { isSafeToken, pointer } from './text.js';
import { unwrapPayload } from './wrapped-payload.js';

/**
 * An MNS message as EventBridge delivers it (`mns:Queue:SendMessage`, `data{requestId, messageId, messageBody}`):
 * the buffered deployment (EventBridge rule → MNS queue → FC trigger) and redrive from the dead-letter queue
 * arrive this way. The body is the original event — JSON, or base64 JSON when EventBridge's "Base64 Decoding"
 * option is off — and is decoded like any other input, one wrap level deeper.
 */

export function decodeMnsMessage(
  event: JsonObject,
  path: string,
  eventId: string | undefined,
  ctx: DecodeContext,
): void {
  const dataPath = pointer(path, 'data');
  const data = optionalObject(event, 'data', path);
  if (data === undefined) throw missingField(dataPath, 'an MNS message event carries the message in data');
  decodeMnsData(data, dataPath, eventId, ctx);
}

/** The `data` of an MNS message event (also what RawData delivery hands over). */
export function decodeMnsData(
  data: JsonObject,
  dataPath: string,
  eventId: string | undefined,
  ctx: DecodeContext,
): void {
  const bodyPath = pointer(dataPath, 'messageBody');
  const body = field(data, 'messageBody');
  if (body === undefined || body === null) throw missingField(bodyPath, 'the message has no body');
  const messageId = field(data, 'messageId');
  const inner = unwrapPayload(body, bodyPath);
  ctx.decodeNested(inner, bodyPath, eventId ?? (isSafeToken(messageId) ? messageId : ctx.fallbackEventId));
}

export const isMnsMessageData = (obj: JsonObject): boolean => has(obj, 'messageBody');
