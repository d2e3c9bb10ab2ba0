/**
 * How local tools hand an event to a deployed function (the EventBridge emulator, redrive). Our own seam, not an
 * Alibaba SDK: `fc2-invoker.ts` implements it with `@alicloud/fc2`; tests whose subject is not FC use a fake.
 */
export interface FunctionInvoker {
  invoke(functionName: string, payload: Buffer, options: { async: boolean }): Promise<InvokeResult>;
}

export interface InvokeResult {
  /** Async: FC accepted the event (202). Sync: the function returned without an error. */
  ok: boolean;
  /** `x-fc-error-type` of a failed sync invocation, or FC's `ErrorCode` / the transport error's name. */
  errorType?: string;
  /** `x-fc-request-id`, when FC answered. */
  requestId?: string;
  /** A sync invocation's result: parsed JSON when FC says it is JSON, else the text. */
  body?: unknown;
}
