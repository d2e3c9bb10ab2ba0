import type { CredentialStore } from '../credential-store.js';
import {
  type Acs3FailureReason,
  type HttpRequestParts,
  normalizeHeaders,
  type QueryPairs,
  verifyAcs3,
} from '../signature/acs3.js';
import { isRpcV1Request, type RpcV1FailureReason, verifyRpcV1 } from '../signature/rpc-v1.js';
import { type EcsApiError, ecsError } from './ecs-errors.js';
import { NONCE_WINDOW_MS, type NonceStore } from './nonce-store.js';

/** A request as the emulator received it, with its decoded query and form-body parameters. */
export interface IncomingCall extends HttpRequestParts {
  params: QueryPairs;
}

export interface AuthDeps {
  credentials: CredentialStore;
  nonces: NonceStore;
  now: () => number;
}

export type AuthResult =
  | { ok: true; accessKeyId: string; scheme: 'acs3' | 'rpc-v1' }
  | { ok: false; error: EcsApiError; accessKeyId?: string };

/** Largest accepted difference between the request's timestamp and the server clock (the real limit). */
const MAX_CLOCK_SKEW_MS = NONCE_WINDOW_MS;

/**
 * Authenticates a call as the real gateway does: ACS3 when an Authorization header is present (or nothing else
 * is), the legacy RPC signature when SignatureMethod is among the parameters. Then the STS token, the timestamp and
 * the nonce. The nonce is remembered only once everything else passed, so a refused request cannot burn one.
 */
export function authenticate(call: IncomingCall, deps: AuthDeps): AuthResult {
  const headers = normalizeHeaders(call.headers);
  const useV1 = !headers.has('authorization') && isRpcV1Request(call.params);
  const lookup = (id: string) => deps.credentials.get(id)?.accessKeySecret;
  let accessKeyId: string;
  let token: string | undefined;
  let timestamp: string | undefined;
  let nonce: string | undefined;
  if (useV1) {
    const result = verifyRpcV1({ method: call.method, params: call.params }, lookup);
    if (!result.ok) return fail(rpcV1Error(result.reason, result.stringToSign), result.accessKeyId);
    const param = (key: string) => call.params.find(([k]) => k === key)?.[1];
    accessKeyId = result.accessKeyId;
    token = param('SecurityToken');
    timestamp = param('Timestamp');
    nonce = param('SignatureNonce');
  } else {
    const result = verifyAcs3(call, lookup);
    if (!result.ok)
      return fail(acs3Error(result.reason, result.detail, result.stringToSign), result.accessKeyId);
    accessKeyId = result.accessKeyId;
    token = headers.get('x-acs-security-token');
    timestamp = headers.get('x-acs-date');
    nonce = headers.get('x-acs-signature-nonce');
  }

  // STS keys are only valid with the token issued with them; long-term keys ignore a token.
  const issued = deps.credentials.get(accessKeyId);
  const issuedToken = issued?.securityToken;
  if (issuedToken !== undefined) {
    if (!token) return fail(ecsError('InvalidSecurityToken.Malformed'), accessKeyId);
    if (token !== issuedToken)
      return fail(ecsError('InvalidSecurityToken.MismatchWithAccessKey'), accessKeyId);
    if (issued?.expiresAt !== undefined && deps.now() >= issued.expiresAt)
      return fail(ecsError('InvalidSecurityToken.Expired'), accessKeyId);
  }

  if (!timestamp) return fail(ecsError('MissingTimestamp'), accessKeyId);
  const at = parseTimestamp(timestamp);
  if (at === undefined) return fail(ecsError('InvalidTimeStamp.Format'), accessKeyId);
  const now = deps.now();
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) return fail(ecsError('InvalidTimeStamp.Expired'), accessKeyId);

  if (!nonce) return fail(ecsError('MissingSignatureNonce'), accessKeyId);
  if (!deps.nonces.use(accessKeyId, nonce, now)) return fail(ecsError('SignatureNonceUsed'), accessKeyId);

  return { ok: true, accessKeyId, scheme: useV1 ? 'rpc-v1' : 'acs3' };
}

function fail(error: EcsApiError, accessKeyId: string | undefined): AuthResult {
  return accessKeyId === undefined ? { ok: false, error } : { ok: false, error, accessKeyId };
}

/** `2026-11-29T03:51:21Z` (UTC, seconds; fractions tolerated), else undefined. */
function parseTimestamp(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

function acs3Error(reason: Acs3FailureReason, detail: string, stringToSign?: string): EcsApiError {
  switch (reason) {
    case 'unknown-access-key':
      return ecsError('InvalidAccessKeyId.NotFound');
    case 'unsupported-algorithm':
      return ecsError('InvalidSignatureMethod');
    case 'content-hash-mismatch':
      return ecsError('ContentSHA256NotMatched');
    case 'signature-mismatch':
      // The real ACS3 message echoes the server's string to sign so callers can diff it with theirs.
      return ecsError(
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. server StringToSign is [${stringToSign ?? ''}]`,
      );
    case 'missing-authorization':
    case 'malformed-authorization':
    case 'unsigned-header':
    case 'missing-signed-header':
    case 'missing-content-hash':
      return ecsError(
        'IncompleteSignature',
        `The request signature does not conform to Aliyun standards: ${detail}.`,
      );
  }
}

function rpcV1Error(reason: RpcV1FailureReason, stringToSign?: string): EcsApiError {
  switch (reason) {
    case 'unknown-access-key':
      return ecsError('InvalidAccessKeyId.NotFound');
    case 'unsupported-signature-method':
      return ecsError('InvalidSignatureMethod');
    case 'missing-access-key-id':
      return ecsError('MissingAccessKeyId');
    case 'missing-signature':
      return ecsError('MissingSignature');
    case 'signature-mismatch':
      return ecsError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign ?? ''}`,
      );
  }
}
