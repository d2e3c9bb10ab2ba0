import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod/mini';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { NonceStore } from '../ecs-emulator/nonce-store.js';
import type { RequestHandler } from '../http/http-server.js';
import { headerMapFromRaw } from '../signature/acs3.js';
import { authenticateFc, type FcSignatureScheme } from './fc-authenticate.js';
import { FcApiError } from './fc-errors.js';
import { apiVersionOf, matchFunctionPath, matchInvocationPath } from './fc-routes.js';
import { fcHeader, parseFcAuthorization } from './fc-signature.js';
import type { FunctionUpdate } from './function-runtime.js';
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
  /** UpdateFunction; throws FcApiError for an unknown function. Answers the function as FC 3.0 does. */
  update(functionName: string, change: FunctionUpdate): Record<string, unknown>;
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
    const updated = req.method === 'PUT' ? matchFunctionPath(path) : undefined;
    const apiVersion = route?.apiVersion ?? apiVersionOf(path);
    const invocationType = fcHeader(req.headers, 'x-fc-invocation-type') ?? 'Sync';
    let accessKeyId = claimedAccessKeyId(fcHeader(req.headers, 'authorization') ?? '');
    let scheme: FcSignatureScheme | undefined;
    const record = (status: number, code?: string) =>
      deps.calls.record({
        service: 'fc',
        action: updated === undefined ? 'InvokeFunction' : 'UpdateFunction',
        status,
        ...(code === undefined ? {} : { code }),
        ...(accessKeyId === undefined ? {} : { accessKeyId }),
        params: {
          ...(route === undefined
            ? updated === undefined
              ? { path }
              : { function: updated }
            : { function: route.functionName }),
          ...(updated === undefined ? { invocationType } : {}),
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
      if (updated !== undefined) {
        const answer = JSON.stringify(deps.update(updated, parseFunctionUpdate(body)));
        res.writeHead(200, { 'x-fc-request-id': requestId, 'content-type': 'application/json' });
        res.end(answer);
        record(200);
        return;
      }
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

/** `UpdateFunctionInput` fields the emulator runs with; it ignores `description`. */
const functionUpdateSchema = z.strictObject({
  environmentVariables: z.optional(z.record(z.string(), z.string())),
  timeout: z.optional(z.int().check(z.gte(1), z.lte(86_400))),
  memorySize: z.optional(z.int().check(z.gte(128), z.lte(32_768))),
  description: z.optional(z.string()),
});

/**
 * The body of UpdateFunction. A field FC takes but the emulator does not run (code, layers, VPC…) is refused by
 * name rather than silently ignored: a test relying on it would otherwise pass against nothing.
 */
function parseFunctionUpdate(body: Buffer): FunctionUpdate {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new FcApiError('InvalidArgument', 'the UpdateFunction body is not JSON');
  }
  const parsed = functionUpdateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue?.path.join('.');
    throw new FcApiError(
      'InvalidArgument',
      issue?.code === 'unrecognized_keys'
        ? `emulator: UpdateFunction of ${field} is not emulated (only environmentVariables, timeout, memorySize, description)`
        : `invalid ${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const { description: _ignored, ...change } = parsed.data;
  return change;
}

function parseInvocationType(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'async') return true;
  if (normalized === 'sync') return false;
  throw new FcApiError('InvalidArgument', `invalid X-Fc-Invocation-Type '${value}': expected Sync or Async`);
}
