import type { AccessKey } from '../credential-store.js';
import { isMnsV4Authorization, parseMnsV4Authorization, verifyMnsV4Request } from './mns-v4.js';
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
 * The MNS request signature (`Authorization: MNS <AccessKeyId>:<base64 HMAC-SHA1>`, cloud-facts MNS-3) as every
 * client builds it: `@alicloud/mns` 1.2.0 (sdk-wire.md §4.3), the official Python, Go, PHP and Java SDKs and the
 * community `ali-mns`; and the Java SDK 2.x's V4 form (`mns-v4.ts`, MNS-4). Pure: no I/O, no clock.
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
 * The time the request was signed with: `Date`, or `x-mns-date` in its stead (a client that cannot set Date may send
 * only x-mns-date, and then signs its value on the DATE line: cloud-facts MNS-2). When both are sent, Date is used
 * (MNS-2: which one MNS takes then is unknown; every client that sends both sends the same value).
 */
export function mnsRequestDate(headers: HeaderBag): string | undefined {
  return headerValue(headers, 'date') ?? headerValue(headers, 'x-mns-date');
}

/** The headers with `date` filled in from `x-mns-date` when only that was sent, so the DATE line is what was signed. */
function withDateLine(headers: HeaderBag): HeaderBag {
  if (headerValue(headers, 'date') !== undefined) return headers;
  const date = headerValue(headers, 'x-mns-date');
  return date === undefined ? headers : { ...headers, date };
}

/**
 * `VERB\nContent-MD5\nContent-Type\nDate\n` + every `x-mns-*` header (lower-case, sorted, `name:value\n`) + resource.
 * Absent MD5 and type stay as empty lines, as GET sends neither. The MD5 and type are signed as sent, whatever their
 * form (MNS-5: base64 of the raw or of the hex digest; `text/xml`, `text/xml;charset=UTF-8`, `application/xml`).
 */
export const buildMnsStringToSign = (request: MnsRequestParts): string =>
  stringToSign(MNS, { ...request, headers: withDateLine(request.headers) });

/** base64(HMAC-SHA1(secret, stringToSign)). */
export const signMns = (text: string, accessKeySecret: string): string => sign(MNS, text, accessKeySecret);

/** The `Authorization` value the SDK would send for these parts (used by tests and by hand-made requests). */
export const mnsAuthorization = (
  request: MnsRequestParts,
  accessKeyId: string,
  accessKeySecret: string,
): string =>
  authorization(MNS, { ...request, headers: withDateLine(request.headers) }, accessKeyId, accessKeySecret);

/** Splits `MNS <AccessKeyId>:<signature>`; undefined when the header is not of that form. */
export const parseMnsAuthorization = (value: string) => parseAuthorization(MNS, value);

/** The AccessKeyId an `Authorization` of either form claims (to attribute refused calls too). */
export function claimedAccessKeyId(value: string): string | undefined {
  return isMnsV4Authorization(value)
    ? parseMnsV4Authorization(value)?.accessKeyId
    : parseMnsAuthorization(value)?.accessKeyId;
}

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
 * The resources to try, in order: the raw request target first (receipt handles with `+ / = &` travel raw, or
 * percent-encoded by some clients, and are signed as sent: cloud-facts MNS-20), then the same with `url.parse`'s
 * escapes undone. A raw `%22` in a handle would be mangled by the second form, hence the order.
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
  /** The region the endpoint serves, which a V4 signature's scope must name; V4 is refused without it. */
  region?: string;
}

export type MnsVerifyResult =
  | { ok: true; accessKeyId: string; key: AccessKey; resource: string }
  | { ok: false; code: 'MissingAuthorizationHeader' | 'InvalidAuthorizationHeader' }
  | { ok: false; code: 'InvalidAccessKeyId'; accessKeyId: string }
  | {
      ok: false;
      code: 'SignatureDoesNotMatch';
      accessKeyId: string;
      /** What the verifier signed (its first candidate); for a V4 scope that names another day or region, absent. */
      stringToSign?: string;
      /** V4 only: the scope this request must be signed for. */
      expectedScope?: string;
    }
  | {
      ok: false;
      code: 'InvalidSecurityToken';
      accessKeyId: string;
      reason: 'missing' | 'mismatch' | 'unexpected';
    };

/**
 * Verifies the signature (V2 `MNS`, or V4 `MNS4-HMAC-SHA256`), then the unsigned `security-token` header: an STS key
 * must carry exactly its token; a long-term key must carry none (a stray token means credentials were mixed up).
 * The clock is not checked here.
 */
export function verifyMnsRequest(
  request: MnsVerifyInput,
  lookup: (accessKeyId: string) => AccessKey | undefined,
): MnsVerifyResult {
  const value = headerValue(request.headers, 'authorization') ?? '';
  if (isMnsV4Authorization(value)) return verifyV4(request, lookup);
  const result = verify(
    MNS,
    { ...request, headers: withDateLine(request.headers), resources: mnsResourceCandidates(request.url) },
    lookup,
  );
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

function verifyV4(
  request: MnsVerifyInput,
  lookup: (accessKeyId: string) => AccessKey | undefined,
): MnsVerifyResult {
  const date = Date.parse(mnsRequestDate(request.headers) ?? '');
  if (request.region === undefined || Number.isNaN(date)) {
    return { ok: false, code: 'InvalidAuthorizationHeader' };
  }
  const result = verifyMnsV4Request(
    {
      method: request.method,
      url: request.url,
      headers: request.headers,
      date: new Date(date),
      region: request.region,
    },
    lookup,
  );
  if (result.ok) return { ...result, resource: request.url };
  switch (result.failure) {
    case 'malformed-authorization':
      return { ok: false, code: 'InvalidAuthorizationHeader' };
    case 'unknown-access-key':
      return { ok: false, code: 'InvalidAccessKeyId', accessKeyId: result.accessKeyId };
    case 'scope-mismatch':
      return {
        ok: false,
        code: 'SignatureDoesNotMatch',
        accessKeyId: result.accessKeyId,
        expectedScope: result.expected,
      };
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
