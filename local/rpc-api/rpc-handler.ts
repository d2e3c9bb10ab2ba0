/**
 * An Alibaba Cloud RPC API (any path, GET or POST, parameters in the query and/or a form body, signed ACS3 or
 * with the legacy HMAC-SHA1 signature: the gateway ECS and RAM share), for the emulators of small APIs (STS,
 * Resource Directory). Each action gets the decoded parameters and the caller's key; an `RpcApiError` it throws
 * becomes the gateway's JSON error body.
 */
import { randomUUID } from 'node:crypto';
import type { CallLog, CallRecord } from '../call-log.js';
import type { AccessKey, CredentialStore } from '../credential-store.js';
import { authenticate } from '../ecs-emulator/authenticate.js';
import { ECS_ERRORS } from '../ecs-emulator/ecs-errors.js';
import { NonceStore } from '../ecs-emulator/nonce-store.js';
import { loggableParams, type Params, parseRpcRequest } from '../ecs-emulator/request-params.js';
import type { RequestHandler } from '../http/http-server.js';

export class RpcApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'RpcApiError';
    this.code = code;
    this.status = status;
  }
}

/** The gateway's own refusals, worded as in the ECS emulator's table (every RPC API answers them alike). */
function gatewayError(
  code: 'UnsupportedHTTPMethod' | 'InvalidVersion' | 'InvalidAction.NotFound',
): RpcApiError {
  return new RpcApiError(code, ECS_ERRORS[code].message, ECS_ERRORS[code].status);
}

export interface RpcCaller {
  accessKeyId: string;
  key: AccessKey;
}

export type RpcAction = (params: Params, caller: RpcCaller) => Record<string, unknown>;

export interface RpcApiDeps {
  service: CallRecord['service'];
  /** The product name in the error body's Recommend link (`Sts`, `ResourceManager`). */
  product: string;
  version: string;
  actions: Record<string, RpcAction>;
  credentials: CredentialStore;
  calls: CallLog;
  now: () => number;
}

export function createRpcHandler(deps: RpcApiDeps): RequestHandler {
  const nonces = new NonceStore();
  return (req, res, body) => {
    const requestId = randomUUID().toUpperCase();
    const { method, path, rawQuery, headers, normalized, pairs, params, action, version } = parseRpcRequest(
      req,
      body,
    );

    let status = 200;
    let payload: Record<string, unknown>;
    let code: string | undefined;
    let accessKeyId: string | undefined;
    try {
      if (method !== 'GET' && method !== 'POST') throw gatewayError('UnsupportedHTTPMethod');
      const auth = authenticate(
        { method, path, rawQuery, headers, body, params: pairs },
        { credentials: deps.credentials, nonces, now: deps.now },
      );
      accessKeyId = auth.accessKeyId;
      if (!auth.ok) throw new RpcApiError(auth.error.code, auth.error.message, auth.error.status);
      if (version !== deps.version) throw gatewayError('InvalidVersion');
      const run = Object.hasOwn(deps.actions, action) ? deps.actions[action] : undefined;
      if (run === undefined) throw gatewayError('InvalidAction.NotFound');
      const key = deps.credentials.get(auth.accessKeyId) as AccessKey;
      payload = { RequestId: requestId, ...run(params, { accessKeyId: auth.accessKeyId, key }) };
    } catch (error) {
      if (!(error instanceof RpcApiError)) throw error;
      status = error.status;
      code = error.code;
      payload = {
        RequestId: requestId,
        HostId: normalized.get('host') ?? '',
        Code: error.code,
        Message: error.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${deps.product}&requestId=${requestId}`,
      };
    }
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': requestId,
    });
    res.end(text);
    deps.calls.record({
      service: deps.service,
      action,
      status,
      ...(code === undefined ? {} : { code }),
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
      params: loggableParams(params),
    });
  };
}
