import type { FcApiVersion } from './fc-routes.js';

/**
 * Request-level errors the FC emulator answers, with the HTTP status of FC's public error-code table
 * (cloud-facts FC-8). Codes marked "emulator's choice" are not in that table (cloud-facts FC-9).
 */
export const FC_ERRORS = {
  InvalidArgument: 400,
  MissingRequiredHeader: 400,
  PathNotSupported: 400,
  EntityTooLarge: 400,
  AccessDenied: 403,
  SignatureNotMatch: 403,
  InvalidAccessKeyID: 403,
  // Emulator's choice: a missing or wrong security token for an STS AccessKey.
  InvalidSecurityToken: 403,
  // Emulator's choice (the name other Alibaba Cloud gateways use): Date / x-acs-date more than 15 minutes off.
  RequestTimeTooSkewed: 403,
  // Emulator's choice (the POP gateway's name): an ACS3 signature nonce used twice.
  SignatureNonceUsed: 403,
  FunctionNotFound: 404,
  // A sync invocation beyond the function's reserved concurrency (cloud-facts FC-8, FC-18).
  ResourceExhausted: 429,
  InternalServerError: 500,
} as const satisfies Record<string, number>;

export type FcErrorCode = keyof typeof FC_ERRORS;

/** A request FC refuses before any function runs. */
export class FcApiError extends Error {
  override name = 'FcApiError';
  readonly status: number;

  constructor(
    readonly code: FcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = FC_ERRORS[code];
  }

  /**
   * The JSON body FC answers with, in the shape of the API version the request was for: FC 3.0's
   * `{Code, Message, RequestId}` (cloud-facts FC-7), FC 2.0's `{ErrorCode, ErrorMessage}` (FC-13).
   */
  body(apiVersion: FcApiVersion, requestId: string): string {
    return JSON.stringify(
      apiVersion === '2023-03-30'
        ? { Code: this.code, Message: this.message, RequestId: requestId }
        : { ErrorCode: this.code, ErrorMessage: this.message },
    );
  }
}

/** The emulator was closed while a call was waiting or running. */
export class FcEmulatorClosedError extends Error {
  override name = 'FcEmulatorClosedError';
  constructor() {
    super('the FC emulator is closed');
  }
}
