import { createHmac } from 'node:crypto';
import type { AccessKey } from '../credential-store.js';
import { checkSecurityToken, type HeaderBag, headerValue, sameText } from './shared-key.js';

/**
 * MNS's V4 request signature (`Authorization: MNS4-HMAC-SHA256 Credential=<id>/<yyyymmdd>/<region>/mns/
 * aliyun_v4_request,Signature=<hex>`), which the official Java SDK 2.x sends when asked for `SignVersion.V4`
 * (cloud-facts MNS-4). Ported from the SDK's `MNSV4Signer` and checked against its unit-test vectors. Pure: no I/O,
 * no clock.
 *
 * Unlike ACS3 there is no SignedHeaders list: the signed headers are always `content-type`, `content-md5` and every
 * `x-mns-*` header present. The canonical request is not hashed; it is appended to the string to sign as it is.
 */

export const MNS_V4_ALGORITHM = 'MNS4-HMAC-SHA256';
const SIGN_PREFIX = 'aliyun_v4';
const SIGN_SUFFIX = 'aliyun_v4_request';
const PRODUCT = 'mns';

export interface MnsV4Parts {
  method: string;
  /** The path, decoded (`/queues/Test Queue@123`); the signer encodes it. */
  path: string;
  /** Query parameters as the signer saw them (decoded or raw, as the client had them). */
  query: ReadonlyArray<readonly [string, string]>;
  headers: HeaderBag;
  /** The request's time (the `Date` header). */
  date: Date;
  region: string;
}

/** RFC 3986 percent-encoding, as Java's `URLEncoder` with `+ * %7E` fixed up (the SDK's `HttpUtil.urlEncode`). */
function percentEncode(text: string, keepSlashes: boolean): string {
  const encoded = encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlashes ? encoded.replace(/%2F/g, '/') : encoded;
}

/** `20250603T105235Z` and `20250603`. */
function isoDateTime(date: Date): { dateTime: string; day: string } {
  const dateTime = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { dateTime, day: dateTime.slice(0, 8) };
}

function canonicalRequest(parts: MnsV4Parts): string {
  const path = parts.path.startsWith('/') ? parts.path : `/${parts.path}`;
  // Keys are lower-cased; a later duplicate wins, as the SDK's map does; sorted by the encoded key.
  const query = new Map<string, string>();
  for (const [key, value] of parts.query) {
    query.set(percentEncode(key.toLowerCase().trim(), false), percentEncode(value.trim(), false));
  }
  const canonicalQuery = [...query.keys()]
    .sort()
    .map((key) => {
      const value = query.get(key) ?? '';
      return value === '' ? key : `${key}=${value}`;
    })
    .join('&');
  const signedHeaders = Object.keys(parts.headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name === 'content-type' || name === 'content-md5' || name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${(headerValue(parts.headers, name) ?? '').trim()}\n`)
    .join('');
  return `${parts.method.toUpperCase()}\n${percentEncode(path, true)}\n${canonicalQuery}\n${signedHeaders}\n`;
}

/** The string to sign: algorithm, time, scope, then the canonical request as it is. */
export function buildMnsV4StringToSign(parts: MnsV4Parts): string {
  const { dateTime, day } = isoDateTime(parts.date);
  return `${MNS_V4_ALGORITHM}\n${dateTime}\n${day}/${parts.region}/${PRODUCT}/${SIGN_SUFFIX}\n${canonicalRequest(parts)}`;
}

/** The derived key: HMAC-SHA256 over the day, region, product and terminator, starting from `aliyun_v4<secret>`. */
export function mnsV4SigningKey(accessKeySecret: string, day: string, region: string): Buffer {
  let key: Buffer = Buffer.from(`${SIGN_PREFIX}${accessKeySecret}`, 'utf8');
  for (const part of [day, region, PRODUCT, SIGN_SUFFIX]) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  return key;
}

/** hex(HMAC-SHA256(signingKey, stringToSign)). */
export function signMnsV4(signingKey: Buffer, text: string): string {
  return createHmac('sha256', signingKey).update(text, 'utf8').digest('hex');
}

/** The `Authorization` value the Java SDK would send for these parts (tests and hand-made requests). */
export function mnsV4Authorization(parts: MnsV4Parts, accessKeyId: string, accessKeySecret: string): string {
  const { day } = isoDateTime(parts.date);
  const signature = signMnsV4(
    mnsV4SigningKey(accessKeySecret, day, parts.region),
    buildMnsV4StringToSign(parts),
  );
  return `${MNS_V4_ALGORITHM} Credential=${accessKeyId}/${day}/${parts.region}/${PRODUCT}/${SIGN_SUFFIX},Signature=${signature}`;
}

const V4_AUTHORIZATION =
  /^MNS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/mns\/aliyun_v4_request,\s*Signature=([0-9a-f]{64})$/;

export interface MnsV4Credential {
  accessKeyId: string;
  day: string;
  region: string;
  signature: string;
}

/** Splits a V4 `Authorization`; undefined when it is not of that form. */
export function parseMnsV4Authorization(value: string): MnsV4Credential | undefined {
  const match = V4_AUTHORIZATION.exec(value.trim());
  if (!match?.[1] || !match[2] || !match[3] || !match[4]) return undefined;
  return { accessKeyId: match[1], day: match[2], region: match[3], signature: match[4] };
}

export function isMnsV4Authorization(value: string): boolean {
  return value.trimStart().startsWith(`${MNS_V4_ALGORITHM} `);
}

export type MnsV4Failure =
  | { failure: 'malformed-authorization' }
  | { failure: 'unknown-access-key'; accessKeyId: string }
  | { failure: 'scope-mismatch'; accessKeyId: string; expected: string }
  | { failure: 'signature-mismatch'; accessKeyId: string; stringToSign: string }
  | { failure: 'token-missing' | 'token-mismatch' | 'token-unexpected'; accessKeyId: string };

export interface MnsV4Request {
  method: string;
  /** `req.url` as received. */
  url: string;
  headers: HeaderBag;
  /** The request time, from the Date header (already checked to parse). */
  date: Date;
  /** The region this endpoint serves: the scope must name it. */
  region: string;
}

/**
 * Verifies a V4 request. The query is tried with its values as they arrived (the Java SDK signs a receipt handle
 * raw and sends it raw) and then percent-decoded (parameters it encoded itself); the first that verifies wins.
 */
export function verifyMnsV4Request(
  request: MnsV4Request,
  lookup: (accessKeyId: string) => AccessKey | undefined,
): { ok: true; accessKeyId: string; key: AccessKey } | ({ ok: false } & MnsV4Failure) {
  const parsed = parseMnsV4Authorization(headerValue(request.headers, 'authorization') ?? '');
  if (!parsed) return { ok: false, failure: 'malformed-authorization' };
  const { accessKeyId } = parsed;
  const key = lookup(accessKeyId);
  if (!key) return { ok: false, failure: 'unknown-access-key', accessKeyId };
  const { day } = isoDateTime(request.date);
  if (parsed.day !== day || parsed.region !== request.region) {
    return {
      ok: false,
      failure: 'scope-mismatch',
      accessKeyId,
      expected: `${day}/${request.region}/${PRODUCT}/${SIGN_SUFFIX}`,
    };
  }

  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const pairs = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    });
  const signingKey = mnsV4SigningKey(key.accessKeySecret, day, request.region);
  const base = { method: request.method, path: decode(rawPath), headers: request.headers };
  let first: string | undefined;
  const verified = [pairs, pairs.map(([k, v]): [string, string] => [decode(k), decode(v)])].some((query) => {
    const text = buildMnsV4StringToSign({ ...base, query, date: request.date, region: request.region });
    first ??= text;
    return sameText(signMnsV4(signingKey, text), parsed.signature);
  });
  if (!verified) return { ok: false, failure: 'signature-mismatch', accessKeyId, stringToSign: first ?? '' };

  const token = checkSecurityToken(headerValue(request.headers, 'security-token'), key);
  if (token !== undefined) return { ok: false, failure: token, accessKeyId };
  return { ok: true, accessKeyId, key };
}

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
