/**
 * Request-level errors the FC emulator answers, with the HTTP status of FC's public error-code table
 * (help.aliyun.com, "错误码" / "Error codes"). The body is `{ErrorCode, ErrorMessage}`, which is what
 * `@alicloud/fc2` reads (`err.code = ErrorCode`, `name = 'FC' + ErrorCode + 'Error'`). Codes marked
 * "emulator's choice" are not in that table.
 */
export const FC_ERRORS = {
  InvalidArgument: 400,
  MissingRequiredHeader: 400,
  PathNotSupported: 400,
  EntityTooLarge: 400,
  AccessDenied: 403,
  SignatureNotMatch: 403,
  InvalidAccessKeyID: 403,
  // Emulator's choice: a missing or wrong x-fc-security-token for an STS AccessKey.
  InvalidSecurityToken: 403,
  // Emulator's choice (the name other Alibaba Cloud gateways use): Date more than 15 minutes off.
  RequestTimeTooSkewed: 403,
  FunctionNotFound: 404,
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

  /** The JSON body FC answers with. */
  body(): string {
    return JSON.stringify({ ErrorCode: this.code, ErrorMessage: this.message });
  }
}

/** The emulator was closed while a call was waiting or running. */
export class FcEmulatorClosedError extends Error {
  override name = 'FcEmulatorClosedError';
  constructor() {
    super('the FC emulator is closed');
  }
}
