/**
 * The error codes the RAM emulator answers with. The gateway's authentication codes are those of every Alibaba
 * Cloud RPC API (the ECS emulator's table); GetRole's own come from the API reference (cloud-facts RM-2).
 */
import { ECS_ERRORS, type EcsApiError } from '../ecs-emulator/ecs-errors.js';

export const RAM_ERRORS = {
  'EntityNotExist.Role': { status: 404, message: 'The role does not exist.' },
  'InvalidParameter.RoleName.InvalidChars': {
    status: 400,
    message: 'The specified role name contains invalid characters.',
  },
  // Also the emulator's answer to a missing or empty RoleName (no documented code for it: RM-2).
  'InvalidParameter.RoleName.Length': {
    status: 400,
    message: 'The maximum length of the role name is exceeded.',
  },
  InvalidVersion: ECS_ERRORS.InvalidVersion,
  'InvalidAction.NotFound': ECS_ERRORS['InvalidAction.NotFound'],
  UnsupportedHTTPMethod: ECS_ERRORS.UnsupportedHTTPMethod,
} as const;

export type RamErrorCode = keyof typeof RAM_ERRORS;

/** A request-level failure: a JSON error body with this status. */
export class RamApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'RamApiError';
    this.code = code;
    this.status = status;
  }

  /** The gateway's authentication failures, as the shared RPC authenticator reports them. */
  static fromGateway(error: EcsApiError): RamApiError {
    return new RamApiError(error.code, error.message, error.status);
  }
}

export function ramError(code: RamErrorCode, message?: string): RamApiError {
  return new RamApiError(code, message ?? RAM_ERRORS[code].message, RAM_ERRORS[code].status);
}

/** Body of every error answer: the RPC gateway's shape (`sdk-wire.md` §3.6), product Ram. */
export function ramErrorBody(requestId: string, hostId: string, error: RamApiError): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Ram&requestId=${requestId}`,
  };
}
