import type { CredentialStore } from '../credential-store.js';
import type { NonceStore } from '../ecs-emulator/nonce-store.js';
import type { HeaderMap } from '../signature/acs3.js';
import { type Acs3RequestFailure, authenticateAcs3Request } from '../signature/acs3-request.js';
import { FcApiError } from './fc-errors.js';
import type { FcApiVersion } from './fc-routes.js';
import { type FcHeaders, fcContentMd5, fcHeader, verifyFcRequest } from './fc-signature.js';

/** Requests whose Date (or x-acs-date) differs from the server clock by more than this are refused. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** How the request was signed: ACS3 (`@alicloud/fc20230330`, openapi-core) or FC's own (`@alicloud/fc2`). */
export type FcSignatureScheme = 'ACS3-HMAC-SHA256' | 'FC';

export interface FcAuthRequest {
  apiVersion: FcApiVersion;
  method: string;
  /** The path as received, without the query. */
  path: string;
  rawQuery: string;
  /** Node's `req.headers` (repeated headers joined). */
  headers: FcHeaders;
  /** From `req.rawHeaders`, repeated headers kept apart (what ACS3 canonicalizes). */
  rawHeaders: HeaderMap;
  body: Buffer;
}

export interface FcAuthDeps {
  credentials: CredentialStore;
  nonces: NonceStore;
  now(): number;
}

/**
 * Authenticates an invocation as FC does, or throws the FcApiError FC would answer. The 2023-03-30 paths take
 * ACS3-HMAC-SHA256, what the official FC 3.0 SDK signs with (cloud-facts FC-2), and also fc2's signature, which
 * the fc3 component still sends there (FC-3); the 2016-08-15 paths take fc2's signature only (FC-12).
 */
export function authenticateFc(
  request: FcAuthRequest,
  deps: FcAuthDeps,
): { accessKeyId: string; scheme: FcSignatureScheme } {
  const authorization = fcHeader(request.headers, 'authorization') ?? '';
  if (request.apiVersion === '2023-03-30' && !authorization.startsWith('FC ')) {
    return { accessKeyId: authenticateAcs3(request, deps), scheme: 'ACS3-HMAC-SHA256' };
  }
  return { accessKeyId: authenticateFcSignature(request, deps), scheme: 'FC' };
}

function authenticateAcs3(request: FcAuthRequest, deps: FcAuthDeps): string {
  const result = authenticateAcs3Request(
    {
      method: request.method,
      path: request.path,
      rawQuery: request.rawQuery,
      headers: request.rawHeaders,
      body: request.body,
    },
    {
      lookup: (id) => deps.credentials.get(id),
      now: deps.now,
      maxSkewMs: MAX_CLOCK_SKEW_MS,
      useNonce: (id, nonce, at) => deps.nonces.use(id, nonce, at),
    },
  );
  if (!result.ok) throw acs3Error(result);
  return result.accessKeyId;
}

/** FC's codes for ACS3 failures: the signature's own table where it has one, else the emulator's choice (FC-9). */
function acs3Error(failure: Acs3RequestFailure): FcApiError {
  switch (failure.reason) {
    case 'missing-authorization':
      return new FcApiError('MissingRequiredHeader', 'required HTTP header Authorization was not specified');
    case 'missing-content-hash':
      return new FcApiError(
        'MissingRequiredHeader',
        'required HTTP header x-acs-content-sha256 was not specified',
      );
    case 'date-missing':
      return new FcApiError('MissingRequiredHeader', 'required HTTP header x-acs-date was not specified');
    case 'nonce-missing':
      return new FcApiError(
        'MissingRequiredHeader',
        'required HTTP header x-acs-signature-nonce was not specified',
      );
    case 'malformed-authorization':
    case 'unsupported-algorithm':
    case 'date-malformed':
      return new FcApiError('InvalidArgument', failure.detail);
    case 'unknown-access-key':
      return new FcApiError('InvalidAccessKeyID', `invalid access key ID '${failure.accessKeyId ?? ''}'`);
    case 'unsigned-header':
    case 'missing-signed-header':
    case 'content-hash-mismatch':
      return new FcApiError('SignatureNotMatch', `${SIGNATURE_NOT_MATCH}: ${failure.detail}`);
    case 'signature-mismatch':
      return new FcApiError(
        'SignatureNotMatch',
        `${SIGNATURE_NOT_MATCH}. StringToSign: ${JSON.stringify('stringToSign' in failure ? failure.stringToSign : '')}`,
      );
    case 'token-missing':
    case 'token-mismatch':
      return new FcApiError('InvalidSecurityToken', failure.detail);
    case 'date-skewed':
      return new FcApiError('RequestTimeTooSkewed', failure.detail);
    case 'nonce-reused':
      return new FcApiError('SignatureNonceUsed', failure.detail);
  }
}

const SIGNATURE_NOT_MATCH =
  'The request signature we calculated does not match the signature you provided. Check your access key and signing method';

/** fc2's signature: Date present, signature and STS token right, clock within 15 minutes, Content-MD5 the body's. */
function authenticateFcSignature(request: FcAuthRequest, deps: FcAuthDeps): string {
  const date = fcHeader(request.headers, 'date');
  if (date === undefined || date === '') {
    throw new FcApiError('MissingRequiredHeader', 'required HTTP header Date was not specified');
  }
  const verdict = verifyFcRequest(
    { method: request.method, path: request.path, headers: request.headers },
    (id) => deps.credentials.get(id),
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
          `${SIGNATURE_NOT_MATCH}. StringToSign: ${JSON.stringify(verdict.stringToSign)}`,
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
  const md5 = fcHeader(request.headers, 'content-md5');
  if (md5 !== undefined && md5 !== fcContentMd5(request.body)) {
    throw new FcApiError('InvalidArgument', 'Content-MD5 does not match the request body');
  }
  return verdict.accessKeyId;
}
