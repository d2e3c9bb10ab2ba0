import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { RequestHandler } from '../http/http-server.js';
import { headerMapFromRaw, normalizeHeaders, parseQueryString } from '../signature/acs3.js';
import { findAction } from './actions/index.js';
import { authenticate } from './authenticate.js';
import { EcsApiError, ecsError, errorBody } from './ecs-errors.js';
import type { EcsState } from './ecs-state.js';
import type { EcsFaults } from './faults.js';
import { NonceStore } from './nonce-store.js';
import { loggableParams, namedInstanceIds, type Params, parseFormBody, toParams } from './request-params.js';

export const ECS_API_VERSION = '2014-05-26';

export interface EcsServerDeps {
  state: EcsState;
  faults: EcsFaults;
  credentials: CredentialStore;
  calls: CallLog;
  now: () => number;
  /** Read on every call, so tests can change it while the server runs. */
  settings: { latencyMs: number };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  code?: string;
  accessKeyId?: string;
  latencyMs: number;
  headers: Record<string, string>;
}

/**
 * HTTP handler of the ECS RPC API: any path, GET or POST, parameters in the query string and/or a form body.
 * Order: authenticate, check version and action, apply scripted faults, run the action. Every answer is JSON and
 * lands in the call log.
 */
export function createEcsHandler(deps: EcsServerDeps): RequestHandler {
  const nonces = new NonceStore();
  return async (req, res, body) => {
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

    const answer = await (async (): Promise<Answer> => {
      if (method !== 'GET' && method !== 'POST') return failure(ecsError('UnsupportedHTTPMethod'));
      const auth = authenticate(
        { method, path, rawQuery, headers, body, params: pairs },
        { ...deps, nonces },
      );
      if (!auth.ok) return failure(auth.error, auth.accessKeyId);
      const { accessKeyId } = auth;
      if (version !== ECS_API_VERSION) return failure(ecsError('InvalidVersion'), accessKeyId);
      const handler = findAction(action);
      if (!handler) return failure(ecsError('InvalidAction.NotFound'), accessKeyId);

      const faults = deps.faults.take(action, namedInstanceIds(params), handler.perInstanceResults);
      if (faults.error) {
        const { code, message, status, retryAfterMs } = faults.error;
        const answer = failure(new EcsApiError(code, message, status), accessKeyId, faults.latencyMs);
        if (retryAfterMs !== undefined) answer.headers['x-acs-retry-after'] = String(retryAfterMs);
        return answer;
      }
      try {
        const result = handler.run({ params, state: deps.state, instanceFaults: faults.perInstance });
        return {
          status: 200,
          body: { RequestId: requestId, ...result },
          accessKeyId,
          latencyMs: faults.latencyMs,
          headers: {},
        };
      } catch (error) {
        if (error instanceof EcsApiError) return failure(error, accessKeyId, faults.latencyMs);
        throw error;
      }
    })();

    const delay = deps.settings.latencyMs + answer.latencyMs;
    if (delay > 0) await sleep(delay);
    send(res, requestId, answer);
    record(deps.calls, action, params, answer);

    function failure(error: EcsApiError, accessKeyId?: string, latencyMs = 0): Answer {
      const hostId = normalized.get('host') ?? 'ecs.aliyuncs.com';
      return {
        status: error.status,
        body: errorBody(requestId, hostId, error.code, error.message),
        code: error.code,
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
        latencyMs,
        headers: {},
      };
    }
  };
}

function send(res: ServerResponse, requestId: string, answer: Answer): void {
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'x-acs-request-id': requestId,
    ...answer.headers,
  });
  res.end(payload);
}

function record(calls: CallLog, action: string, params: Params, answer: Answer): void {
  calls.record({
    service: 'ecs',
    action,
    status: answer.status,
    ...(answer.code === undefined ? {} : { code: answer.code }),
    ...(answer.accessKeyId === undefined ? {} : { accessKeyId: answer.accessKeyId }),
    params: loggableParams(params),
  });
}
