import type { DecodeContext } from './decode-context.js';
import { field, has, type JsonObject, optionalObject } from './json-fields.js';
import { isSafeToken, pointer } from './text.js';
import { unwrapPayload } from './wrapped-payload.js';

/**
 * An FC async-invocation failure record, as an `onFailure` destination receives it: `{timestamp,
 * requestContext{requestId, functionArn, condition, approximateInvokeCount}, requestPayload, responseContext,
 * responsePayload}`. The original event is `requestPayload` — a JSON string per Alibaba samples; also accepted
 * base64-encoded (unconfirmed for MNS destinations) or already parsed — and is decoded one wrap level deeper.
 * Nothing else in the record matters: what failed before is re-read from ECS anyway.
 */

export const isFcDestinationRecord = (obj: JsonObject): boolean =>
  has(obj, 'requestContext') && Object.hasOwn(obj, 'requestPayload');

export function decodeFcDestinationRecord(record: JsonObject, path: string, ctx: DecodeContext): void {
  const requestContext = optionalObject(record, 'requestContext', path);
  const requestId = requestContext === undefined ? undefined : field(requestContext, 'requestId');
  const payloadPath = pointer(path, 'requestPayload');
  const inner = unwrapPayload(field(record, 'requestPayload'), payloadPath);
  ctx.decodeNested(inner, payloadPath, isSafeToken(requestId) ? requestId : ctx.fallbackEventId);
}
