/**
 * GetRole's own error codes, from the API reference (cloud-facts RM-2). The gateway's (authentication, version,
 * action, method) are those of every Alibaba Cloud RPC API, answered by `rpc-api/rpc-handler.ts`.
 */
import { RpcApiError } from '../rpc-api/rpc-handler.js';

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
} as const;

export type RamErrorCode = keyof typeof RAM_ERRORS;

export function ramError(code: RamErrorCode, message?: string): RpcApiError {
  return new RpcApiError(code, message ?? RAM_ERRORS[code].message, RAM_ERRORS[code].status);
}
