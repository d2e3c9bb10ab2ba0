import type { FcFailureType } from './invocation-answer.js';
import type { RuntimeIdentity } from './runtime-env.js';

/**
 * What FC sends an `onFailure` destination after an async invocation's last failed try (alibaba-cloud.md §1.1,
 * from Alibaba's sample repositories). `requestPayload` is the event's text and `responsePayload` the error body,
 * both as JSON strings; `statusCode` is 200 for a function error, as the invocation itself answered 200.
 */
export interface FcFailureRecord {
  /** When the record was made, ms since epoch. */
  timestamp: number;
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

export function functionArn(identity: RuntimeIdentity, functionName: string): string {
  return `acs:fc:${identity.region}:${identity.accountId}:functions/${functionName}`;
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

export function buildFailureRecord(input: FailureRecordInput): FcFailureRecord {
  return {
    timestamp: input.at,
    requestContext: {
      requestId: input.requestId,
      functionArn: functionArn(input.identity, input.functionName),
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
 * unconfirmed (alibaba-cloud.md §1.1); the emulator sends the JSON text by default and can send base64 of it,
 * and the function's decoder accepts both.
 */
export type RecordBodyEncoding = 'json' | 'base64';

export function encodeRecordBody(record: FcFailureRecord, encoding: RecordBodyEncoding): string {
  const json = JSON.stringify(record);
  return encoding === 'base64' ? Buffer.from(json, 'utf8').toString('base64') : json;
}
