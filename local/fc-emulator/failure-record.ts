import type { FcFailureType } from './invocation-answer.js';
import type { RuntimeIdentity } from './runtime-env.js';

/**
 * What FC sends an `onFailure` destination after an async invocation's last failed try (cloud-facts FT-8: FC's
 * result-callback page and Alibaba's sample repositories). `requestPayload` is the event's text and
 * `responsePayload` the error body, both as JSON strings; `statusCode` is 200 for a function error, as the
 * invocation itself answered 200.
 */
export interface FcFailureRecord {
  /** When the record was made: ms since epoch or an ISO string, per `FailureRecordForm`. */
  timestamp: number | string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: FcFailureType;
    approximateInvokeCount: number;
  };
  requestPayload: string;
  responseContext: { statusCode: number; functionError: FcFailureType };
  responsePayload: string;
}

/**
 * The record's variants that sources disagree on, so the emulator can send each (the function reads all):
 * - `timestamp`: `epoch-ms` (the result-callback page's sample) or `iso` (an ISO 8601 string; cloud-facts FT-9);
 * - `functionArn`: `fc3` (`acs:fc:<region>:<account>:functions/<name>`) or `fc2`
 *   (`acs:fc:::services/<service>.LATEST/functions/<name>`, empty region and account; FT-10).
 */
export interface FailureRecordForm {
  timestamp: 'epoch-ms' | 'iso';
  functionArn: 'fc3' | 'fc2';
}

export const DEFAULT_RECORD_FORM: FailureRecordForm = { timestamp: 'epoch-ms', functionArn: 'fc3' };

/** FC 3.0 has no services; the FC 2.0 form names this one. */
const FC2_SERVICE = 'default';

export function functionArn(
  identity: RuntimeIdentity,
  functionName: string,
  form: FailureRecordForm['functionArn'] = 'fc3',
): string {
  return form === 'fc2'
    ? `acs:fc:::services/${FC2_SERVICE}.LATEST/functions/${functionName}`
    : `acs:fc:${identity.region}:${identity.accountId}:functions/${functionName}`;
}

export interface FailureRecordInput {
  identity: RuntimeIdentity;
  functionName: string;
  requestId: string;
  event: Buffer;
  /** Tries made, the first included. */
  attempts: number;
  failure: FcFailureType;
  /** The last try's error body (`{"errorMessage","errorType","stackTrace"}`). */
  errorPayload: string;
  at: number;
}

export function buildFailureRecord(
  input: FailureRecordInput,
  form: FailureRecordForm = DEFAULT_RECORD_FORM,
): FcFailureRecord {
  return {
    timestamp: form.timestamp === 'iso' ? new Date(input.at).toISOString() : input.at,
    requestContext: {
      requestId: input.requestId,
      functionArn: functionArn(input.identity, input.functionName, form.functionArn),
      condition: input.failure,
      approximateInvokeCount: input.attempts,
    },
    requestPayload: input.event.toString('utf8'),
    responseContext: { statusCode: 200, functionError: input.failure },
    responsePayload: input.errorPayload,
  };
}

/**
 * How the record travels as an MNS message body. Whether FC base64-encodes records for an MNS destination is
 * unknown (cloud-facts FT-12); the emulator sends the JSON text by default and can send base64 of it, and the
 * function's readers accept both.
 */
export type RecordBodyEncoding = 'json' | 'base64';

export function encodeRecordBody(record: FcFailureRecord, encoding: RecordBodyEncoding): string {
  const json = JSON.stringify(record);
  return encoding === 'base64' ? Buffer.from(json, 'utf8').toString('base64') : json;
}
