import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { Params } from '../ecs-emulator/request-params.js';
import type { RequestHandler } from '../http/http-server.js';
import { createRpcHandler } from '../rpc-api/rpc-handler.js';
import { ramError } from './ram-errors.js';
import { type RamRole, RamState } from './ram-state.js';

export const RAM_API_VERSION = '2015-05-01';

export interface RamServerDeps {
  state: RamState;
  /** Other accounts' roles: a call reads the roles of the account its key belongs to. */
  stateFor?: (accountId: string) => RamState | undefined;
  credentials: CredentialStore;
  calls: CallLog;
  now: () => number;
}

/** GetRole's `Role` object: PascalCase, as the API reference's JSON sample (cloud-facts RM-1). */
function roleBody(role: RamRole): Record<string, unknown> {
  return {
    RoleId: role.roleId,
    RoleName: role.roleName,
    Arn: role.arn,
    Description: role.description,
    AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
    MaxSessionDuration: role.maxSessionDuration,
    CreateDate: role.createDate,
    UpdateDate: role.updateDate,
  };
}

const ROLE_NAME_CHARS = /^[A-Za-z0-9.-]*$/;

function getRole(params: Params, state: RamState): Record<string, unknown> {
  const name = params.get('RoleName') ?? '';
  if (!ROLE_NAME_CHARS.test(name)) throw ramError('InvalidParameter.RoleName.InvalidChars');
  if (name.length === 0 || name.length > 64) throw ramError('InvalidParameter.RoleName.Length');
  const role = state.role(name);
  if (role === undefined) throw ramError('EntityNotExist.Role');
  return { Role: roleBody(role) };
}

/**
 * HTTP handler of the RAM RPC API (2015-05-01): the RPC gateway every small emulator shares (any path, GET or
 * POST, ACS3 or the legacy HMAC-SHA1 signature, the same checks as ECS), with GetRole only. A call reads the
 * roles of the account its key belongs to.
 */
export function createRamHandler(deps: RamServerDeps): RequestHandler {
  const stateOf = (accessKeyId: string): RamState => {
    const account = deps.credentials.accountOf(accessKeyId, deps.state.accountId);
    return account === undefined || account === deps.state.accountId
      ? deps.state
      : (deps.stateFor?.(account) ?? new RamState(account));
  };
  return createRpcHandler({
    service: 'ram',
    product: 'Ram',
    version: RAM_API_VERSION,
    actions: { GetRole: (params, caller) => getRole(params, stateOf(caller.accessKeyId)) },
    credentials: deps.credentials,
    calls: deps.calls,
    now: deps.now,
  });
}
