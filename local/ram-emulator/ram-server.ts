import { randomUUID } from 'node:crypto';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import { authenticate } from '../ecs-emulator/authenticate.js';
import { NonceStore } from '../ecs-emulator/nonce-store.js';
import { loggableParams, type Params, parseFormBody, toParams } from '../ecs-emulator/request-params.js';
import type { RequestHandler } from '../http/http-server.js';
import { headerMapFromRaw, normalizeHeaders, parseQueryString } from '../signature/acs3.js';
import { RamApiError, ramError, ramErrorBody } from './ram-errors.js';
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

const ACTIONS: Record<string, (params: Params, state: RamState) => Record<string, unknown>> = {
  GetRole: getRole,
};

/**
 * HTTP handler of the RAM RPC API (2015-05-01): any path, GET or POST, parameters in the query string and/or a
 * form body, signed ACS3 or with the legacy HMAC-SHA1 RPC signature (the same gateway as ECS). Only GetRole.
 */
export function createRamHandler(deps: RamServerDeps): RequestHandler {
  const nonces = new NonceStore();
  return (req, res, body) => {
    const requestId = randomUUID().toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const headers = headerMapFromRaw(req.rawHeaders);
    const normalized = normalizeHeaders(headers);
    const pairs = parseQueryString(rawQuery);
    if ((normalized.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      pairs.push(...parseFormBody(body.toString('utf8')));
    }
    const params = toParams(pairs);
    const action = normalized.get('x-acs-action') ?? params.get('Action') ?? '';
    const version = normalized.get('x-acs-version') ?? params.get('Version') ?? '';
    const method = req.method ?? 'GET';

    let status = 200;
    let payload: Record<string, unknown>;
    let code: string | undefined;
    let accessKeyId: string | undefined;
    try {
      if (method !== 'GET' && method !== 'POST') throw ramError('UnsupportedHTTPMethod');
      const auth = authenticate(
        { method, path, rawQuery, headers, body, params: pairs },
        { credentials: deps.credentials, nonces, now: deps.now },
      );
      if (!auth.ok) {
        accessKeyId = auth.accessKeyId;
        throw RamApiError.fromGateway(auth.error);
      }
      accessKeyId = auth.accessKeyId;
      if (version !== RAM_API_VERSION) throw ramError('InvalidVersion');
      const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (run === undefined) throw ramError('InvalidAction.NotFound');
      const account = deps.credentials.accountOf(auth.accessKeyId, deps.state.accountId);
      const state =
        account === undefined || account === deps.state.accountId
          ? deps.state
          : (deps.stateFor?.(account) ?? new RamState(account));
      payload = { RequestId: requestId, ...run(params, state) };
    } catch (error) {
      if (!(error instanceof RamApiError)) throw error;
      status = error.status;
      code = error.code;
      payload = ramErrorBody(requestId, normalized.get('host') ?? 'ram.aliyuncs.com', error);
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': requestId,
    });
    res.end(text);
    deps.calls.record({
      service: 'ram',
      action,
      status,
      ...(code === undefined ? {} : { code }),
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
      params: loggableParams(params),
    });
  };
}
