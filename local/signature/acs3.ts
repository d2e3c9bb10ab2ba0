import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ACS3-HMAC-SHA256 (Alibaba Cloud "V3" signature), as `@alicloud/openapi-core` 1.0.8 builds it
 * (`../shared/reference/sdk-wire.md` §3.3). Pure functions: no clock, no nonce memory, no I/O; the emulator adds
 * those checks around `verifyAcs3`.
 */

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** Header names as given (any case); a repeated header is an array of its values. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One HTTP request, as received. */
export interface HttpRequestParts {
  method: string;
  /** The path without the query string (`/`). */
  path: string;
  /** The raw query string, without the leading `?` (may be empty). */
  rawQuery: string;
  headers: HeaderMap;
  body: Uint8Array | string;
}

export type QueryPairs = ReadonlyArray<readonly [string, string]>;

/**
 * Splits a raw query string on `&` and `=` and percent-decodes each side. `+` stays `+`: the SDK never encodes a
 * space as `+`, and signing treats `+` literally. A component that is not valid percent-encoding is kept raw (its
 * signature then simply does not match).
 */
export function parseQueryString(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([safeDecode(key), safeDecode(value)]);
  }
  return pairs;
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** RFC 3986 encoding: `encodeURIComponent`, then `! ' ( ) *` too (unreserved `A-Za-z0-9-_.~` stay raw). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorted (code-unit order, ties by value) `encode(key)=encode(value)` joined with `&`. */
export function canonicalQueryString(pairs: QueryPairs): string {
  return [...pairs]
    .sort(([ka, va], [kb, vb]) => compare(ka, kb) || compare(va, vb))
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Header values by lower-case name: each value trimmed, several values sorted and joined with `,`. */
export function normalizeHeaders(headers: HeaderMap): Map<string, string> {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const list = values.get(lower) ?? [];
    for (const v of typeof value === 'string' ? [value] : value) list.push(v.trim());
    values.set(lower, list);
  }
  return new Map([...values].map(([name, list]) => [name, [...list].sort().join(',')]));
}

/** Lower-case hex SHA-256 of the body (`x-acs-content-sha256`). */
export function hashPayload(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The canonical request over the given signed header names. `payloadHash` defaults to the hash of the body that
 * was actually received, so a body altered in transit changes the canonical request.
 */
export function buildCanonicalRequest(
  request: HttpRequestParts,
  signedHeaders: readonly string[],
  payloadHash: string = hashPayload(request.body),
): string {
  const headers = normalizeHeaders(request.headers);
  const names = [...new Set(signedHeaders.map((h) => h.toLowerCase()))].sort(compare);
  const canonicalHeaders = names.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join('');
  return [
    request.method.toUpperCase(),
    request.path === '' ? '/' : request.path,
    canonicalQueryString(parseQueryString(request.rawQuery)),
    canonicalHeaders,
    names.join(';'),
    payloadHash,
  ].join('\n');
}

/** `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request. */
export function buildStringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
}

/** Lower-case hex HMAC-SHA256 with the AccessKeySecret as-is (no `&` suffix). */
export function signAcs3(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}

export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined when malformed. */
export function parseAcs3Authorization(value: string): Acs3Authorization | undefined {
  const match = /^(\S+)\s+(.+)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return {
    algorithm: match[1],
    accessKeyId,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature,
  };
}

export type Acs3FailureReason =
  /** No `Authorization` header. */
  | 'missing-authorization'
  /** Not `ALG Credential=…,SignedHeaders=…,Signature=…`. */
  | 'malformed-authorization'
  /** An algorithm other than ACS3-HMAC-SHA256 (RSA and SM3 variants are not emulated). */
  | 'unsupported-algorithm'
  /** The secret lookup knows no such AccessKeyId. */
  | 'unknown-access-key'
  /** `host`, `content-type` or an `x-acs-*` header is present but not listed in SignedHeaders. */
  | 'unsigned-header'
  /** SignedHeaders lists a header the request does not carry. */
  | 'missing-signed-header'
  /** No `x-acs-content-sha256` header. */
  | 'missing-content-hash'
  /** `x-acs-content-sha256` is not the SHA-256 of the body received. */
  | 'content-hash-mismatch'
  | 'signature-mismatch';

export type Acs3Verification =
  | {
      ok: true;
      accessKeyId: string;
      signedHeaders: string[];
      canonicalRequest: string;
      stringToSign: string;
    }
  | {
      ok: false;
      reason: Acs3FailureReason;
      /** Set once the Authorization header could be parsed. */
      accessKeyId?: string;
      /** The server-side string to sign, set for `signature-mismatch` (the real service echoes it). */
      stringToSign?: string;
      /** For people: which header, which hash. */
      detail: string;
    };

/** Headers a client must sign whenever it sends them (the SDK signs exactly these). */
function mustBeSigned(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

/**
 * Verifies an `Authorization: ACS3-HMAC-SHA256 …` request. `lookupSecret` returns the AccessKeySecret of a known
 * AccessKeyId. Checks, in order: header shape, algorithm, key, that every sign-worthy header is signed, the body
 * hash, the signature. Never throws.
 */
export function verifyAcs3(
  request: HttpRequestParts,
  lookupSecret: (accessKeyId: string) => string | undefined,
): Acs3Verification {
  const headers = normalizeHeaders(request.headers);
  const authorization = headers.get('authorization');
  if (authorization === undefined || authorization === '') {
    return { ok: false, reason: 'missing-authorization', detail: 'no Authorization header' };
  }
  const parsed = parseAcs3Authorization(authorization);
  if (!parsed) {
    return { ok: false, reason: 'malformed-authorization', detail: 'Authorization header is malformed' };
  }
  const { accessKeyId } = parsed;
  if (parsed.algorithm !== ACS3_ALGORITHM) {
    return {
      ok: false,
      reason: 'unsupported-algorithm',
      accessKeyId,
      detail: `unsupported algorithm ${parsed.algorithm}`,
    };
  }
  const secret = lookupSecret(accessKeyId);
  if (secret === undefined) {
    return {
      ok: false,
      reason: 'unknown-access-key',
      accessKeyId,
      detail: `unknown AccessKeyId ${accessKeyId}`,
    };
  }
  const signed = new Set(parsed.signedHeaders);
  for (const name of headers.keys()) {
    if (mustBeSigned(name) && !signed.has(name)) {
      return { ok: false, reason: 'unsigned-header', accessKeyId, detail: `header ${name} is not signed` };
    }
  }
  for (const name of signed) {
    if (!headers.has(name)) {
      return {
        ok: false,
        reason: 'missing-signed-header',
        accessKeyId,
        detail: `signed header ${name} is missing`,
      };
    }
  }
  const claimedHash = headers.get('x-acs-content-sha256');
  if (claimedHash === undefined) {
    return {
      ok: false,
      reason: 'missing-content-hash',
      accessKeyId,
      detail: 'no x-acs-content-sha256 header',
    };
  }
  const actualHash = hashPayload(request.body);
  if (claimedHash.toLowerCase() !== actualHash) {
    return {
      ok: false,
      reason: 'content-hash-mismatch',
      accessKeyId,
      detail: `x-acs-content-sha256 is ${claimedHash}, the body hashes to ${actualHash}`,
    };
  }
  const canonicalRequest = buildCanonicalRequest(request, parsed.signedHeaders, actualHash);
  const stringToSign = buildStringToSign(canonicalRequest);
  if (!sameText(signAcs3(secret, stringToSign), parsed.signature.toLowerCase())) {
    return {
      ok: false,
      reason: 'signature-mismatch',
      accessKeyId,
      stringToSign,
      detail: 'signature differs',
    };
  }
  return { ok: true, accessKeyId, signedHeaders: [...signed].sort(compare), canonicalRequest, stringToSign };
}

/** Constant-time comparison of two strings (length differences return early; lengths are not secret). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Headers from Node's `req.rawHeaders`, keeping repeated headers apart (`req.headers` joins them with ", "). */
export function headerMapFromRaw(rawHeaders: readonly string[]): HeaderMap {
  const map: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    map[name] ??= [];
    map[name].push(rawHeaders[i + 1] ?? '');
  }
  return map;
}
