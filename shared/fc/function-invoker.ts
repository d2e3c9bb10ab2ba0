import type { ErrorInfo } from '../errors/classify.js';

/**
 * How a caller hands an event to a deployed function (redrive, the EventBridge emulator, the sandbox's triggers).
 * Our own seam, not an Alibaba SDK: `fc-invoker.ts` implements it with `@alicloud/fc20230330` (FC 3.0 API),
 * `tools/fc/fc2-invoker.ts` with `@alicloud/fc2` (FC 2.0 API); tests whose subject is not FC use a fake.
 * `invoke` never rejects: every way an invocation can fail is an answer.
 */
export interface FunctionInvoker {
  invoke(functionName: string, payload: Buffer, options: { async: boolean }): Promise<InvokeResult>;
}

export interface InvokeResult {
  /** Async: FC accepted the event (2xx). Sync: the function returned without an error. */
  ok: boolean;
  /** The HTTP status FC answered with; absent when FC was not reached. */
  status?: number;
  /** `x-fc-error-type` of a failed sync invocation, or FC's error code, or the transport failure's code. */
  errorType?: string;
  /** `x-fc-request-id` (or an error body's RequestId), when FC answered. */
  requestId?: string;
  /** A sync invocation's result: parsed JSON when FC says it is JSON, else the text. */
  body?: unknown;
  /** Why FC refused the request or could not be reached, classed; absent for a function error. */
  error?: ErrorInfo;
}
