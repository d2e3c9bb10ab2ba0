import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { RequestHandler } from '../http/http-server.js';
import { findAction } from './actions/index.js';
import { authenticate } from './authenticate.js';
import type { EcsBehaviour } from './behaviour.js';
import type { EcsChaos } from './chaos.js';
import { EcsApiError, ecsError, errorBody, messageForCode, statusForCode } from './ecs-errors.js';
import type { EcsState } from './ecs-state.js';
import type { EventPublisher } from './event-publisher.js';
import type { EcsFaults } from './faults.js';
import type { Lifecycle } from './lifecycle.js';
import { NonceStore } from './nonce-store.js';
import type { RateLimiter } from './rate-limits.js';
import { loggableParams, namedInstanceIds, type Params, parseRpcRequest } from './request-params.js';
import { trailParameters } from './trail-parameters.js';
import { userIdentity } from './user-identity.js';
import { CallEffects, type EventTiming } from './write-effects.js';

export const ECS_API_VERSION = '2014-05-26';

export interface EcsServerDeps {
  state: EcsState;
  faults: EcsFaults;
  credentials: CredentialStore;
  calls: CallLog;
  now: () => number;
  /** Read on every call, so tests can change them while the server runs. */
  settings: { latencyMs: number } & EventTiming;
  /** Read on every call, like `settings`. */
  behaviour: EcsBehaviour;
  limits: RateLimiter;
  lifecycle: Lifecycle;
  publisher: EventPublisher;
  /** Random faults, when on (read on every call). */
  chaos: () => EcsChaos | undefined;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  code?: string;
  accessKeyId?: string;
  latencyMs: number;
  headers: Record<string, string>;
  /**
   * Chaos: drop the connection instead of answering, at once (`reset`) or after holding it (`timeout`); the
   * `applied-` ones after the call took effect.
   */
  drop?: 'reset' | 'timeout' | 'applied-reset' | 'applied-timeout';
}

/**
 * HTTP handler of the ECS RPC API: any path, GET or POST, parameters in the query string and/or a form body.
 * Order: authenticate, check version and action, apply the per-API rate limit, apply scripted faults, run the
 * action, publish the events of a successful write. Every answer is JSON and lands in the call log.
 *
 * A call over its rate limit answers HTTP 400 `Throttling.User` (the user's flow control for that API) without
 * an `x-acs-retry-after` header: the SDK reads that header, but nothing found shows ECS sending it on flow
 * control (scripted faults can still send one). A throttled call takes no token and consumes no fault.
 */
export function createEcsHandler(deps: EcsServerDeps): RequestHandler {
  const nonces = new NonceStore();
  return async (req, res, body) => {
    const requestId = randomUUID().toUpperCase();
    const { method, path, rawQuery, headers, normalized, pairs, params, action, version } = parseRpcRequest(
      req,
      body,
    );

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
      if (!deps.limits.take(action, params.get('RegionId') ?? '')) {
        return failure(ecsError('Throttling.User'), accessKeyId);
      }

      const faults = deps.faults.take(action, namedInstanceIds(params), handler.perInstanceResults);
      await Promise.all(faults.holds);
      if (faults.error) {
        const { code, message, status, retryAfterMs } = faults.error;
        const answer = failure(new EcsApiError(code, message, status), accessKeyId, faults.latencyMs);
        if (retryAfterMs !== undefined) answer.headers['x-acs-retry-after'] = String(retryAfterMs);
        return answer;
      }
      const fate = deps.chaos()?.decide(action);
      if (fate === 'throttling' || fate === 'unavailable' || fate === 'permanent') {
        const code = deps.chaos()?.code(action, fate) ?? 'ServiceUnavailable';
        return failure(new EcsApiError(code, messageForCode(code), statusForCode(code)), accessKeyId);
      }
      if (fate === 'reset' || fate === 'timeout') {
        return { ...failure(ecsError('ServiceUnavailable'), accessKeyId), drop: fate };
      }
      for (const [id, role] of faults.concurrentRoles) {
        if (deps.state.instance(id) !== undefined) deps.state.setRole(id, role);
      }
      const effects = new CallEffects(deps.state, deps.lifecycle);
      try {
        const calledAt = deps.now();
        const result = handler.run({
          params,
          state: deps.state,
          instanceFaults: faults.perInstance,
          effects,
          behaviour: deps.behaviour,
          now: deps.now,
        });
        const responseBody = { RequestId: requestId, ...result };
        effects.publish(
          deps.publisher,
          deps.settings,
          deps.state.accountId,
          handler.trail && {
            subject: handler.trail.subject,
            eventName: action,
            requestId,
            calledAt,
            region: params.get('RegionId') ?? '',
            userIdentity: userIdentity(accessKeyId, deps.state.accountId),
            requestParameters: trailParameters(params),
            responseElements: structuredClone(responseBody),
            sourceIpAddress: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
            userAgent: normalized.get('user-agent') ?? '',
          },
        );
        return {
          status: 200,
          body: responseBody,
          accessKeyId,
          latencyMs: faults.latencyMs,
          headers: {},
          // The call is done; its answer is lost on the way back.
          ...(fate === 'applied-reset' || fate === 'applied-timeout' ? { drop: fate } : {}),
        };
      } catch (error) {
        if (error instanceof EcsApiError) return failure(error, accessKeyId, faults.latencyMs);
        throw error;
      }
    })();

    const delay = deps.settings.latencyMs + answer.latencyMs;
    if (delay > 0) await sleep(delay);
    if (answer.drop !== undefined) {
      const timeout = answer.drop.endsWith('timeout');
      if (timeout) await sleep(deps.chaos()?.timeoutHoldMs ?? 0);
      res.socket?.destroy();
      const lost = timeout ? 'NoAnswer' : 'ConnectionReset';
      record(deps.calls, action, params, {
        ...answer,
        status: 0,
        code: answer.drop.startsWith('applied-') ? `chaos:Applied${lost}` : `chaos:${lost}`,
      });
      return;
    }
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
