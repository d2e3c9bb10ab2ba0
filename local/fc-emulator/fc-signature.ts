import { createHash } from 'node:crypto';
import type { AccessKey } from '../credential-store.js';
import {
  authorization,
  type HeaderBag,
  headerValue,
  parseAuthorization,
  type SharedKeyScheme,
  sign,
  stringToSign,
  tokenReason,
  verify,
} from '../signature/shared-key.js';

/**
 * The FC request signature (`authorization: FC <AccessKeyId>:<base64 HMAC-SHA256>`), as `@alicloud/fc2` 2.6.6
 * builds it (sdk-wire.md §5.3) for every API version it is pointed at (2016-08-15 and 2023-03-30 alike). Pure: no
 * I/O, no clock.
 */

/** Header values as Node's `IncomingMessage.headers` holds them (names lower-case). */
export type FcHeaders = HeaderBag;

export interface FcRequestParts {
  method: string;
  /** The signed path: `/<version>/…`, without the query (fc2 signs a query only on `/proxy/` paths). */
  path: string;
  headers: FcHeaders;
}

/** One header's value, whatever the case of its name; repeated headers joined with commas, as HTTP folds them. */
export const fcHeader = (headers: FcHeaders, name: string): string | undefined => headerValue(headers, name);

const FC: SharedKeyScheme = {
  name: 'FC',
  headerPrefix: 'x-fc-',
  hmac: 'sha256',
  tokenHeader: 'x-fc-security-token',
};

/**
 * `METHOD\nContent-MD5\nContent-Type\nDate\n` + every `x-fc-*` header (name lower-cased and trimmed, sorted,
 * `name:value\n`) + path. Absent MD5 and type stay as empty lines.
 */
export const buildFcStringToSign = (request: FcRequestParts): string =>
  stringToSign(FC, { method: request.method, resource: request.path, headers: request.headers });

/** base64(HMAC-SHA256(secret, stringToSign)). */
export const signFc = (text: string, accessKeySecret: string): string => sign(FC, text, accessKeySecret);

/** The `authorization` value fc2 would send for these parts (for hand-made requests in tests). */
export const fcAuthorization = (
  request: FcRequestParts,
  accessKeyId: string,
  accessKeySecret: string,
): string =>
  authorization(
    FC,
    { method: request.method, resource: request.path, headers: request.headers },
    accessKeyId,
    accessKeySecret,
  );

/** Splits `FC <AccessKeyId>:<signature>`; undefined when the header is not of that form. */
export const parseFcAuthorization = (value: string) => parseAuthorization(FC, value);

/** fc2's Content-MD5: base64 of the 32-character hex MD5 of the body (not of the raw digest), like MNS. */
export function fcContentMd5(body: Buffer): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}

export type FcVerifyResult =
  | { ok: true; accessKeyId: string; key: AccessKey }
  | { ok: false; code: 'MissingAuthorization' | 'InvalidAuthorization' }
  | { ok: false; code: 'InvalidAccessKeyID'; accessKeyId: string }
  | { ok: false; code: 'SignatureNotMatch'; accessKeyId: string; stringToSign: string }
  | {
      ok: false;
      code: 'InvalidSecurityToken';
      accessKeyId: string;
      reason: 'missing' | 'mismatch' | 'unexpected';
    };

/**
 * Verifies the signature, then `x-fc-security-token` (signed, as it is an `x-fc-` header): an STS key must carry
 * exactly its token, a long-term key none (fc2 sends a token only for `STS…` ids). The raw path is tried first,
 * then its percent-decoded form, since fc2 signs the path it concatenated before the HTTP client escaped it.
 * Neither the clock nor Content-MD5 against the body is checked here.
 */
export function verifyFcRequest(
  request: FcRequestParts,
  lookup: (accessKeyId: string) => AccessKey | undefined,
): FcVerifyResult {
  const result = verify(FC, { ...request, resources: pathCandidates(request.path) }, lookup);
  if (result.ok) return { ok: true, accessKeyId: result.accessKeyId, key: result.key };
  switch (result.failure) {
    case 'missing-authorization':
      return { ok: false, code: 'MissingAuthorization' };
    case 'malformed-authorization':
      return { ok: false, code: 'InvalidAuthorization' };
    case 'unknown-access-key':
      return { ok: false, code: 'InvalidAccessKeyID', accessKeyId: result.accessKeyId };
    case 'signature-mismatch':
      return {
        ok: false,
        code: 'SignatureNotMatch',
        accessKeyId: result.accessKeyId,
        stringToSign: result.stringToSign,
      };
    default:
      return {
        ok: false,
        code: 'InvalidSecurityToken',
        accessKeyId: result.accessKeyId,
        reason: tokenReason(result.failure),
      };
  }
}

function pathCandidates(path: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return [path];
  }
  return decoded === path ? [path] : [path, decoded];
}
