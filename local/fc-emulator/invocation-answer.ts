import type { RunResult } from './function-instance.js';
import type { ErrorInfo } from './worker-protocol.js';

/**
 * How FC reports a failed invocation in `x-fc-error-type` (and an async failure record's condition):
 * `UnhandledInvocationError` for a throw, a rejection, a module that cannot load or a crash, as FC documents;
 * `FunctionTimeoutError` for a timeout (emulator's choice: FC's exact value for timeouts is unconfirmed, and
 * keeping it apart lets tests and the sandbox tell the two apart).
 */
export type FcFailureType = 'UnhandledInvocationError' | 'FunctionTimeoutError';

export function failureType(result: Exclude<RunResult, { outcome: 'ok' }>): FcFailureType {
  return result.outcome === 'timeout' ? 'FunctionTimeoutError' : 'UnhandledInvocationError';
}

/** The body FC answers for a failed invocation: `{"errorMessage","errorType","stackTrace"}`. */
export function errorPayload(error: ErrorInfo): string {
  return JSON.stringify({
    errorMessage: error.errorMessage,
    errorType: error.errorType,
    stackTrace: error.stackTrace,
  });
}

/** An answer to an invocation, as HTTP and the in-process `invoke` both give it. */
export interface InvocationAnswer {
  requestId: string;
  /** 200 for a sync invocation (also when the function failed), 202 for a queued async one. */
  status: 200 | 202;
  /** Set when the function failed (`x-fc-error-type`). */
  errorType?: FcFailureType;
  contentType?: string;
  body: Buffer;
}

export function syncAnswer(requestId: string, result: RunResult): InvocationAnswer {
  if (result.outcome === 'ok') {
    return {
      requestId,
      status: 200,
      body: result.body,
      ...(result.contentType === undefined ? {} : { contentType: result.contentType }),
    };
  }
  return {
    requestId,
    status: 200,
    errorType: failureType(result),
    contentType: 'application/json',
    body: Buffer.from(errorPayload(result.error), 'utf8'),
  };
}

export function queuedAnswer(requestId: string): InvocationAnswer {
  return { requestId, status: 202, body: Buffer.alloc(0) };
}
