import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../credential-store.js';

/**
 * The MNS request signature (`Authorization: MNS <AccessKeyId>:<base64 HMAC-SHA1>`), as `@alicloud/mns` 1.2.0 builds
 * it (sdk-wire.md §4.3). Pure: no I/O, no clock.
 */

/** Header values as Node's `IncomingMessage.headers` holds them (names lower-case). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface MnsRequestParts {
  method: string;
  /** Path plus `?query` exactly as signed (the SDK signs what it concatenated, unencoded and unsorted). */
  resource: string;
  headers: HeaderBag;
}

/** One header's value; repeated headers are joined with commas, as HTTP folds them. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.join(',');
}

/**
 * `VERB\nContent-MD5\nContent-Type\nDate\n` + every `x-mns-*` header (lower-case, sorted, `name:value\n`) + resource.
 * Absent MD5 and type stay as empty lines, as GET sends neither.
 */
export function buildMnsStringToSign(request: MnsRequestParts): string {
  const mnsHeaders = Object.keys(request.headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    headerValue(request.headers, 'content-md5') ?? '',
    headerValue(request.headers, 'content-type') ?? '',
    headerValue(request.headers, 'date') ?? '',
    `${mnsHeaders}${request.resource}`,
  ].join('\n');
}

/** base64(HMAC-SHA1(secret, stringToSign)). */
export function signMns(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

/** The `Authorization` value the SDK would send for these parts (used by tests and by hand-made requests). */
export function mnsAuthorization(
  request: MnsRequestParts,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  return `MNS ${accessKeyId}:${signMns(buildMnsStringToSign(request), accessKeySecret)}`;
}

/** Splits `MNS <AccessKeyId>:<signature>`; undefined when the header is not of that form. */
export function parseMnsAuthorization(value: string): { accessKeyId: string; signature: string } | undefined {
  const match = /^MNS ([^:\s]+):(\S+)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], signature: match[2] };
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
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined || authorization === '')
    return { ok: false, code: 'MissingAuthorizationHeader' };
  const parsed = parseMnsAuthorization(authorization);
  if (!parsed) return { ok: false, code: 'InvalidAuthorizationHeader' };
  const { accessKeyId, signature } = parsed;
  const key = lookup(accessKeyId);
  if (!key) return { ok: false, code: 'InvalidAccessKeyId', accessKeyId };

  let firstStringToSign: string | undefined;
  let matched: string | undefined;
  for (const resource of mnsResourceCandidates(request.url)) {
    const stringToSign = buildMnsStringToSign({ method: request.method, resource, headers: request.headers });
    firstStringToSign ??= stringToSign;
    if (sameText(signMns(stringToSign, key.accessKeySecret), signature)) {
      matched = resource;
      break;
    }
  }
  if (matched === undefined) {
    return { ok: false, code: 'SignatureDoesNotMatch', accessKeyId, stringToSign: firstStringToSign ?? '' };
  }

  const token = headerValue(request.headers, 'security-token');
  if (key.securityToken !== undefined) {
    if (token === undefined || token === '') {
      return { ok: false, code: 'InvalidSecurityToken', accessKeyId, reason: 'missing' };
    }
    if (!sameText(token, key.securityToken)) {
      return { ok: false, code: 'InvalidSecurityToken', accessKeyId, reason: 'mismatch' };
    }
  } else if (token !== undefined) {
    return { ok: false, code: 'InvalidSecurityToken', accessKeyId, reason: 'unexpected' };
  }
  return { ok: true, accessKeyId, key, resource: matched };
}

/** Constant-time comparison, so the verifier does not leak how much of a signature matched. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
