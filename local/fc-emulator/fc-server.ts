import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { NonceStore } from '../ecs-emulator/nonce-store.js';
import type { RequestHandler } from '../http/http-server.js';
import { headerMapFromRaw } from '../signature/acs3.js';
import { authenticateFc, type FcSignatureScheme } from './fc-authenticate.js';
import { FcApiError } from './fc-errors.js';
import { apiVersionOf, matchInvocationPath } from './fc-routes.js';
import { fcHeader, parseFcAuthorization } from './fc-signature.js';
import type { InvocationAnswer } from './invocation-answer.js';
import { newRequestId } from './request-id.js';

export { MAX_CLOCK_SKEW_MS } from './fc-authenticate.js';

export interface FcHandlerDeps {
  credentials: CredentialStore;
  /** ACS3 signature nonces seen, to refuse a replayed request. */
  nonces: NonceStore;
  calls: CallLog;
  /** Runs (sync) or queues (async) an invocation; throws FcApiError for an unknown function. */
  invoke(
    functionName: string,
    event: Buffer,
    options: { async: boolean; requestId: string },
  ): Promise<InvocationAnswer>;
  now(): number;
}

/**
 * The FC invocation API over HTTP: FC 3.0's path (ACS3 signatures, `{Code, Message, RequestId}` errors) and FC
 * 2.0's (fc2's signature, `{ErrorCode, ErrorMessage}` errors), authenticated as FC does, payload limits
 * enforced, and every answer recorded in the call log.
 */
export function createFcHandler(deps: FcHandlerDeps): RequestHandler {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const requestId = newRequestId(deps.now());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const route = matchInvocationPath(path);
    const apiVersion = route?.apiVersion ?? apiVersionOf(path);
    const invocationType = fcHeader(req.headers, 'x-fc-invocation-type') ?? 'Sync';
    let accessKeyId = claimedAccessKeyId(fcHeader(req.headers, 'authorization') ?? '');
    let scheme: FcSignatureScheme | undefined;
    const record = (status: number, code?: string) =>
      deps.calls.record({
        service: 'fc',
        action: 'InvokeFunction',
        status,
        ...(code === undefined ? {} : { code }),
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
        params: {
          ...(route === undefined ? { path } : { function: route.functionName }),
          invocationType,
          apiVersion,
          ...(scheme === undefined ? {} : { signature: scheme }),
        },
      });

    try {
      const auth = authenticateFc(
        {
          apiVersion,
          method: req.method ?? 'GET',
          path,
          rawQuery: q === -1 ? '' : url.slice(q + 1),
          headers: req.headers,
          rawHeaders: headerMapFromRaw(req.rawHeaders),
          body,
        },
        deps,
      );
      accessKeyId = auth.accessKeyId;
      scheme = auth.scheme;
      if (route === undefined || req.method !== 'POST') {
        throw new FcApiError('PathNotSupported', `'${req.method ?? ''}' against '${path}' is not supported`);
      }
      // The payload limits are checked in `invoke` (payload-limits.ts), for HTTP and in-process callers alike.
      const async = parseInvocationType(invocationType);
      const answer = await deps.invoke(route.functionName, body, { async, requestId });
      const headers: Record<string, string> = { 'x-fc-request-id': answer.requestId };
      if (answer.contentType !== undefined) headers['content-type'] = answer.contentType;
      if (answer.errorType !== undefined) headers['x-fc-error-type'] = answer.errorType;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
      record(answer.status);
    } catch (error) {
      const apiError =
        error instanceof FcApiError
          ? error
          : new FcApiError('InternalServerError', `emulator: ${String(error)}`, { cause: error });
      res.writeHead(apiError.status, { 'x-fc-request-id': requestId, 'content-type': 'application/json' });
      res.end(apiError.body(apiVersion, requestId));
      record(apiError.status, apiError.code);
    }
  };
}

/** The AccessKeyId an Authorization header names, whichever scheme, for the call log of a refused request. */
function claimedAccessKeyId(authorization: string): string | undefined {
  return (
    parseFcAuthorization(authorization)?.accessKeyId ?? /\bCredential=([^,\s]+)/.exec(authorization)?.[1]
  );
}

function parseInvocationType(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'async') return true;
  if (normalized === 'sync') return false;
  throw new FcApiError('InvalidArgument', `invalid X-Fc-Invocation-Type '${value}': expected Sync or Async`);
}
