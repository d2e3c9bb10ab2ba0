import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../credential-store.js';

/**
 * Alibaba Cloud's older "shared key" request signature, used by MNS and FC alike: `Authorization: <NAME>
 * <AccessKeyId>:<base64 HMAC>` over `VERB\nContent-MD5\nContent-Type\nDate\n` + the service's own headers (name
 * lower-cased, sorted, `name:value\n`) + the resource. The services differ only in the header prefix, the HMAC
 * and where an STS token travels (sdk-wire.md §4.3, §5.3). Pure: no I/O, no clock.
 */
export interface SharedKeyScheme {
  /** `MNS` or `FC`: the word before the AccessKeyId in `Authorization`. */
  name: string;
  /** Headers that start with this are signed: `x-mns-`, `x-fc-`. */
  headerPrefix: string;
  hmac: 'sha1' | 'sha256';
  /** Where an STS token travels: `security-token` (MNS, unsigned) or `x-fc-security-token` (FC, signed). */
  tokenHeader: string;
}

/** Header values as Node's `IncomingMessage.headers` holds them. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | number | undefined>>;

export interface SignedParts {
  method: string;
  /** What was signed after the headers: MNS the path and query as sent, FC the path. */
  resource: string;
  headers: HeaderBag;
}

/** One header's value, whatever the case of its name; repeated headers joined with commas, as HTTP folds them. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const direct = headers[wanted];
  const value =
    direct !== undefined
      ? direct
      : Object.entries(headers).find(([key]) => key.toLowerCase() === wanted)?.[1];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The string to sign. Absent MD5 and type stay as empty lines, as a GET sends neither. */
export function stringToSign(scheme: SharedKeyScheme, parts: SignedParts): string {
  const signedHeaders = Object.keys(parts.headers)
    .map((name) => name.toLowerCase().trim())
    .filter((name) => name.startsWith(scheme.headerPrefix))
    .sort()
    .map((name) => `${name}:${headerValue(parts.headers, name) ?? ''}\n`)
    .join('');
  return [
    parts.method.toUpperCase(),
    headerValue(parts.headers, 'content-md5') ?? '',
    headerValue(parts.headers, 'content-type') ?? '',
    headerValue(parts.headers, 'date') ?? '',
    `${signedHeaders}${parts.resource}`,
  ].join('\n');
}

export function sign(scheme: SharedKeyScheme, text: string, accessKeySecret: string): string {
  return createHmac(scheme.hmac, accessKeySecret).update(text, 'utf8').digest('base64');
}

/** The `Authorization` value the SDK would send for these parts (for hand-made requests in tests). */
export function authorization(
  scheme: SharedKeyScheme,
  parts: SignedParts,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  return `${scheme.name} ${accessKeyId}:${sign(scheme, stringToSign(scheme, parts), accessKeySecret)}`;
}

/** Splits `<NAME> <AccessKeyId>:<signature>`; undefined when the value is not of that form. */
export function parseAuthorization(
  scheme: SharedKeyScheme,
  value: string,
): { accessKeyId: string; signature: string } | undefined {
  const match = new RegExp(`^${scheme.name} ([^:\\s]+):(\\S+)$`).exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], signature: match[2] };
}

export type VerifyFailure =
  | { ok: false; failure: 'missing-authorization' | 'malformed-authorization' }
  | { ok: false; failure: 'unknown-access-key'; accessKeyId: string }
  | { ok: false; failure: 'signature-mismatch'; accessKeyId: string; stringToSign: string }
  | { ok: false; failure: 'token-missing' | 'token-mismatch' | 'token-unexpected'; accessKeyId: string };

export type VerifyResult =
  | { ok: true; accessKeyId: string; key: AccessKey; resource: string }
  | VerifyFailure;

/**
 * Verifies the signature against each candidate resource in turn (what the SDK signed can differ from what
 * arrived: the HTTP client escapes some characters), then the STS token: an STS key must carry exactly its
 * token, a long-term key none (a stray token means credentials were mixed up).
 */
export function verify(
  scheme: SharedKeyScheme,
  request: { method: string; headers: HeaderBag; resources: readonly string[] },
  lookup: (accessKeyId: string) => AccessKey | undefined,
): VerifyResult {
  const value = headerValue(request.headers, 'authorization');
  if (value === undefined || value === '') return { ok: false, failure: 'missing-authorization' };
  const parsed = parseAuthorization(scheme, value);
  if (!parsed) return { ok: false, failure: 'malformed-authorization' };
  const { accessKeyId, signature } = parsed;
  const key = lookup(accessKeyId);
  if (!key) return { ok: false, failure: 'unknown-access-key', accessKeyId };

  let first: string | undefined;
  const resource = request.resources.find((candidate) => {
    const text = stringToSign(scheme, {
      method: request.method,
      resource: candidate,
      headers: request.headers,
    });
    first ??= text;
    return sameText(sign(scheme, text, key.accessKeySecret), signature);
  });
  if (resource === undefined) {
    return { ok: false, failure: 'signature-mismatch', accessKeyId, stringToSign: first ?? '' };
  }

  const token = checkSecurityToken(headerValue(request.headers, scheme.tokenHeader), key);
  if (token !== undefined) return { ok: false, failure: token, accessKeyId };
  return { ok: true, accessKeyId, key, resource };
}

/**
 * The STS token check, once the signature holds: an STS key must carry exactly its token, a long-term key none (a
 * stray token means credentials were mixed up). Undefined when the token is right.
 */
export function checkSecurityToken(
  token: string | undefined,
  key: AccessKey,
): 'token-missing' | 'token-mismatch' | 'token-unexpected' | undefined {
  if (key.securityToken !== undefined) {
    if (token === undefined || token === '') return 'token-missing';
    if (!sameText(token, key.securityToken)) return 'token-mismatch';
  } else if (token !== undefined) {
    return 'token-unexpected';
  }
  return undefined;
}

/** The reason word both emulators report for a refused STS token. */
export function tokenReason(failure: 'token-missing' | 'token-mismatch' | 'token-unexpected') {
  return failure === 'token-missing' ? 'missing' : failure === 'token-mismatch' ? 'mismatch' : 'unexpected';
}

/** Constant-time comparison, so the verifier does not leak how much of a signature matched. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
