import type { AccessKey } from '../credential-store.js';
import {
  authorization,
  type HeaderBag,
  parseAuthorization,
  type SharedKeyScheme,
  headerValue as sharedHeaderValue,
  sign,
  stringToSign,
  tokenReason,
  verify,
} from './shared-key.js';

export type { HeaderBag } from './shared-key.js';

/**
 * The MNS request signature (`Authorization: MNS <AccessKeyId>:<base64 HMAC-SHA1>`), as `@alicloud/mns` 1.2.0 builds
 * it (sdk-wire.md §4.3). Pure: no I/O, no clock.
 */

export interface MnsRequestParts {
  method: string;
  /** Path plus `?query` exactly as signed (the SDK signs what it concatenated, unencoded and unsorted). */
  resource: string;
  headers: HeaderBag;
}

/** One header's value; repeated headers are joined with commas, as HTTP folds them. */
export const headerValue = (headers: HeaderBag, name: string): string | undefined =>
  sharedHeaderValue(headers, name);

const MNS: SharedKeyScheme = {
  name: 'MNS',
  headerPrefix: 'x-mns-',
  hmac: 'sha1',
  tokenHeader: 'security-token',
};

/**
 * `VERB\nContent-MD5\nContent-Type\nDate\n` + every `x-mns-*` header (lower-case, sorted, `name:value\n`) + resource.
 * Absent MD5 and type stay as empty lines, as GET sends neither.
 */
export const buildMnsStringToSign = (request: MnsRequestParts): string => stringToSign(MNS, request);

/** base64(HMAC-SHA1(secret, stringToSign)). */
export const signMns = (text: string, accessKeySecret: string): string => sign(MNS, text, accessKeySecret);

/** The `Authorization` value the SDK would send for these parts (used by tests and by hand-made requests). */
export const mnsAuthorization = (
  request: MnsRequestParts,
  accessKeyId: string,
  accessKeySecret: string,
): string => authorization(MNS, request, accessKeyId, accessKeySecret);

/** Splits `MNS <AccessKeyId>:<signature>`; undefined when the header is not of that form. */
export const parseMnsAuthorization = (value: string) => parseAuthorization(MNS, value);

/**
 * The characters Node's legacy `url.parse` (used by the SDK's HTTP client) escapes on the wire although the SDK signed
 * them raw. Undoing exactly these recovers what was signed.
 */
const URL_PARSE_ESCAPES: Readonly<Record<string, string>> = {
  '%09': '\t',
  '%0A': '\n',
  '%0D': '\r',
  '%20': ' ',
  '%22': '"',
  '%27': "'",
  '%3C': '<',
  '%3E': '>',
  '%5C': '\\',
  '%5E': '^',
  '%60': '`',
  '%7B': '{',
  '%7C': '|',
  '%7D': '}',
};

/**
 * The resources to try, in order: the raw request target first (receipt handles with `+ / = &` travel raw), then the
 * same with `url.parse`'s escapes undone. A raw `%22` in a handle would be mangled by the second form, hence the order.
 */
export function mnsResourceCandidates(rawUrl: string): string[] {
  const unescaped = rawUrl.replace(/%(09|0A|0D|20|22|27|3C|3E|5C|5E|60|7B|7C|7D)/gi, (m) => {
    return URL_PARSE_ESCAPES[m.toUpperCase()] ?? m;
  });
  return unescaped === rawUrl ? [rawUrl] : [rawUrl, unescaped];
}

export interface MnsVerifyInput {
  method: string;
  /** `req.url` as received: path plus query. */
  url: string;
  headers: HeaderBag;
}

export type MnsVerifyResult =
  | { ok: true; accessKeyId: string; key: AccessKey; resource: string }
  | { ok: false; code: 'MissingAuthorizationHeader' | 'InvalidAuthorizationHeader' }
  | { ok: false; code: 'InvalidAccessKeyId'; accessKeyId: string }
  | { ok: false; code: 'SignatureDoesNotMatch'; accessKeyId: string; stringToSign: string }
  | {
      ok: false;
      code: 'InvalidSecurityToken';
      accessKeyId: string;
      reason: 'missing' | 'mismatch' | 'unexpected';
    };

/**
 * Verifies the signature, then the unsigned `security-token` header: an STS key must carry exactly its token; a
 * long-term key must carry none (a stray token means credentials were mixed up). The clock is not checked here.
 */
export function verifyMnsRequest(
  request: MnsVerifyInput,
  lookup: (accessKeyId: string) => AccessKey | undefined,
): MnsVerifyResult {
  const result = verify(MNS, { ...request, resources: mnsResourceCandidates(request.url) }, lookup);
  if (result.ok) return result;
  switch (result.failure) {
    case 'missing-authorization':
      return { ok: false, code: 'MissingAuthorizationHeader' };
    case 'malformed-authorization':
      return { ok: false, code: 'InvalidAuthorizationHeader' };
    case 'unknown-access-key':
      return { ok: false, code: 'InvalidAccessKeyId', accessKeyId: result.accessKeyId };
    case 'signature-mismatch':
      return {
        ok: false,
        code: 'SignatureDoesNotMatch',
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
