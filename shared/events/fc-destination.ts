import * as z from 'zod/mini';
import type { DecodeContext } from './decode-context.js';
import { field, has, isJsonObject, type JsonObject } from './json-fields.js';
import { isSafeToken, pointer } from './text.js';
import { unwrapPayload } from './wrapped-payload.js';

/**
 * An FC async-invocation destination record, as an `onFailure` destination receives it: `{timestamp,
 * requestContext{requestId, functionArn, condition, approximateInvokeCount}, requestPayload, responseContext
 * {statusCode, functionError}, responsePayload}` (cloud-facts FT-8). Every field but `requestPayload` is read
 * leniently: `timestamp` comes as epoch milliseconds or as an ISO string (FT-9), `functionArn` in the FC 3.0 form
 * or the FC 2.0 one with empty region and account (FT-10), and a missing or malformed value only leaves that
 * field out — reading a record never throws.
 */

/** The function an `functionArn` names; each part only when the ARN carries it. */
export interface FcFunctionRef {
  regionId?: string;
  accountId?: string;
  /** FC 2.0 ARNs only. */
  serviceName?: string;
  functionName?: string;
}

/**
 * `acs:fc:<region>:<account>:functions/<name>` (FC 3.0), `acs:fc:::services/<svc>[.<qualifier>]/functions/<name>`
 * (FC 2.0, region and account often empty), and `acs:fc:<region>:<account>/functions/<name>` (the slash form in
 * FC 3.0's AsyncConfig samples). Anything else gives an empty ref.
 */
export function parseFcFunctionArn(arn: string): FcFunctionRef {
  const match = /^acs:fc:([^:]*):([^:/]*)[:/](.*)$/.exec(arn.trim());
  if (match === null) return {};
  const [, region = '', account = '', resource = ''] = match;
  const service = /^services\/([^/]+)\//.exec(resource)?.[1];
  const name = /(?:^|\/)functions\/([^/:]+)/.exec(resource)?.[1];
  return {
    ...(region ? { regionId: region } : {}),
    ...(/^\d+$/.test(account) ? { accountId: account } : {}),
    ...(service ? { serviceName: service.split('.')[0] } : {}),
    ...(name ? { functionName: name } : {}),
  };
}

/** Epoch milliseconds (a number or a digit string) or a date string → ISO 8601; anything else → undefined. */
export function destinationTime(value: unknown): string | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  }
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A value that may be bad: parsed by `schema`, else left out. */
const lenient = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);

/**
 * One schema for the record: what the dead-letter reader, the alerts and redrive all read. Built on first use, all
 * its parts with it: most invocations are not FC destination records, and building zod schemas is most of what
 * loading this module costs.
 */
export const fcDestinationRecord = z.lazy(() => {
  /** A JSON string as is; an already parsed value as its JSON text (FT-11). */
  const payloadText = z.union([
    z.string(),
    z.pipe(
      z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
      z.transform((v) => JSON.stringify(v)),
    ),
  ]);
  // The context fields, read one by one in the transform: each left out when bad rather than failing the record.
  const text = lenient(z.string());
  const nonEmpty = lenient(
    z.pipe(
      z.string(),
      z.transform((s) => (s === '' ? undefined : s)),
    ),
  );
  const number = lenient(z.number());
  return z.pipe(
    z.object({
      timestamp: z.optional(z.unknown()),
      requestContext: z.record(z.string(), z.unknown()),
      requestPayload: payloadText,
      responseContext: lenient(z.record(z.string(), z.unknown())),
      responsePayload: lenient(payloadText),
    }),
    z.transform((raw) => {
      const context = raw.requestContext;
      const response = raw.responseContext ?? {};
      const arn = text.parse(context.functionArn);
      return {
        requestId: nonEmpty.parse(context.requestId),
        at: destinationTime(raw.timestamp),
        function: arn === undefined ? {} : parseFcFunctionArn(arn),
        condition: nonEmpty.parse(context.condition),
        approximateInvokeCount: number.parse(context.approximateInvokeCount),
        requestPayload: raw.requestPayload,
        /** 200 for function errors too (the invocation itself answered 200); another value is a system error. */
        statusCode: number.parse(response.statusCode),
        functionError: nonEmpty.parse(response.functionError),
        responsePayload: raw.responsePayload,
      };
    }),
  );
});

export type FcDestinationRecord = z.output<typeof fcDestinationRecord>;

/** The record, or undefined when `value` is not one (no `requestContext` object or no `requestPayload`). */
export function readFcDestinationRecord(value: unknown): FcDestinationRecord | undefined {
  const parsed = fcDestinationRecord.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether an event is such a record. The original event is `requestPayload` — a JSON string per Alibaba samples;
 * also accepted base64-encoded (FT-12) or already parsed — and is decoded one wrap level deeper. Nothing else in
 * the record matters there: what failed before is re-read from ECS anyway.
 */
export const isFcDestinationRecord = (obj: JsonObject): boolean =>
  has(obj, 'requestContext') && Object.hasOwn(obj, 'requestPayload');

export function decodeFcDestinationRecord(record: JsonObject, path: string, ctx: DecodeContext): void {
  const requestContext = field(record, 'requestContext');
  const requestId = isJsonObject(requestContext) ? field(requestContext, 'requestId') : undefined;
  const payloadPath = pointer(path, 'requestPayload');
  const inner = unwrapPayload(field(record, 'requestPayload'), payloadPath);
  ctx.decodeNested(inner, payloadPath, isSafeToken(requestId) ? requestId : ctx.fallbackEventId);
}
