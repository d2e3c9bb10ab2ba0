import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from '../call-log.js';
import type { CredentialStore } from '../credential-store.js';
import type { RequestHandler } from '../http/http-server.js';
import { FcApiError } from './fc-errors.js';
import { matchInvocationPath } from './fc-routes.js';
import { fcContentMd5, fcHeader, parseFcAuthorization, verifyFcRequest } from './fc-signature.js';
import type { InvocationAnswer } from './invocation-answer.js';
import { newRequestId } from './request-id.js';

/** Requests whose Date differs from the server clock by more than this are refused. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface FcHandlerDeps {
  credentials: CredentialStore;
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
 * The FC API over HTTP: the two invocation paths fc2 uses, authenticated as FC does (signature, STS token, clock,
 * Content-MD5), FC-style JSON errors, and every answer recorded in the call log.
 */
export function createFcHandler(deps: FcHandlerDeps): RequestHandler {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const requestId = newRequestId(deps.now());
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = matchInvocationPath(path);
    const invocationType = fcHeader(req.headers, 'x-fc-invocation-type') ?? 'Sync';
    const accessKeyId = parseFcAuthorization(fcHeader(req.headers, 'authorization') ?? '')?.accessKeyId;
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
        },
      });

    try {
      authenticate(req, path, body, deps);
      if (route === undefined || req.method !== 'POST') {
        throw new FcApiError('PathNotSupported', `'${req.method ?? ''}' against '${path}' is not supported`);
      }
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
      res.end(apiError.body());
      record(apiError.status, apiError.code);
    }
  };
}

function parseInvocationType(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'async') return true;
  if (normalized === 'sync') return false;
  throw new FcApiError('InvalidArgument', `invalid X-Fc-Invocation-Type '${value}': expected Sync or Async`);
}

/** Date present, signature and STS token right, clock within 15 minutes, Content-MD5 that of the body. */
function authenticate(req: IncomingMessage, path: string, body: Buffer, deps: FcHandlerDeps): void {
  const date = fcHeader(req.headers, 'date');
  if (date === undefined || date === '') {
    throw new FcApiError('MissingRequiredHeader', 'required HTTP header Date was not specified');
  }
  const verdict = verifyFcRequest({ method: req.method ?? 'GET', path, headers: req.headers }, (id) =>
    deps.credentials.get(id),
  );
  if (!verdict.ok) {
    switch (verdict.code) {
      case 'MissingAuthorization':
        throw new FcApiError('MissingRequiredHeader', 'required HTTP header Authorization was not specified');
      case 'InvalidAuthorization':
        throw new FcApiError(
          'InvalidArgument',
          'the Authorization header is not of the form "FC <id>:<signature>"',
        );
      case 'InvalidAccessKeyID':
        throw new FcApiError('InvalidAccessKeyID', `invalid access key ID '${verdict.accessKeyId}'`);
      case 'SignatureNotMatch':
        throw new FcApiError(
          'SignatureNotMatch',
          `The request signature we calculated does not match the signature you provided. Check your access key and signing method. StringToSign: ${JSON.stringify(verdict.stringToSign)}`,
        );
      case 'InvalidSecurityToken':
        throw new FcApiError(
          'InvalidSecurityToken',
          verdict.reason === 'unexpected'
            ? 'x-fc-security-token was sent with a long-term AccessKey'
            : `the security token for '${verdict.accessKeyId}' is ${verdict.reason}`,
        );
    }
  }
  const dateMs = Date.parse(date);
  if (Number.isNaN(dateMs)) throw new FcApiError('InvalidArgument', `invalid Date header '${date}'`);
  if (Math.abs(deps.now() - dateMs) > MAX_CLOCK_SKEW_MS) {
    throw new FcApiError(
      'RequestTimeTooSkewed',
      'the difference between the request time and the current time is too large',
    );
  }
  const md5 = fcHeader(req.headers, 'content-md5');
  if (md5 !== undefined && md5 !== fcContentMd5(body)) {
    throw new FcApiError('InvalidArgument', 'Content-MD5 does not match the request body');
  }
}
