import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../credential-store.js';

/**
 * The FC request signature (`authorization: FC <AccessKeyId>:<base64 HMAC-SHA256>`), as `@alicloud/fc2` 2.6.6
 * builds it (sdk-wire.md §5.3) for every API version it is pointed at (2016-08-15 and 2023-03-30 alike). Pure: no
 * I/O, no clock.
 */

/** Header values as Node's `IncomingMessage.headers` holds them (names lower-case). */
export type FcHeaders = Readonly<Record<string, string | readonly string[] | number | undefined>>;

export interface FcRequestParts {
  method: string;
  /** The signed path: `/<version>/…`, without the query (fc2 signs a query only on `/proxy/` paths). */
  path: string;
  headers: FcHeaders;
}

/** One header's value, whatever the case of its name; repeated headers joined with commas, as HTTP folds them. */
export function fcHeader(headers: FcHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : String(value);
  }
  return undefined;
}

/**
 * `METHOD\nContent-MD5\nContent-Type\nDate\n` + every `x-fc-*` header (name lower-cased and trimmed, sorted,
 * `name:value\n`) + path. Absent MD5 and type stay as empty lines.
 */
export function buildFcStringToSign(request: FcRequestParts): string {
  const fcHeaders = Object.keys(request.headers)
    .map((name) => name.toLowerCase().trim())
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${fcHeader(request.headers, name) ?? ''}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    fcHeader(request.headers, 'content-md5') ?? '',
    fcHeader(request.headers, 'content-type') ?? '',
    fcHeader(request.headers, 'date') ?? '',
    `${fcHeaders}${request.path}`,
  ].join('\n');
}

/** base64(HMAC-SHA256(secret, stringToSign)). */
export function signFc(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('base64');
}

/** The `authorization` value fc2 would send for these parts (for hand-made requests in tests). */
export function fcAuthorization(
  request: FcRequestParts,
  accessKeyId: string,
  accessKeySecret: string,
): string {
  return `FC ${accessKeyId}:${signFc(buildFcStringToSign(request), accessKeySecret)}`;
}

/** Splits `FC <AccessKeyId>:<signature>`; undefined when the header is not of that form. */
export function parseFcAuthorization(value: string): { accessKeyId: string; signature: string } | undefined {
  const match = /^FC ([^:\s]+):(\S+)$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], signature: match[2] };
}

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
  const authorization = fcHeader(request.headers, 'authorization');
  if (authorization === undefined || authorization === '') return { ok: false, code: 'MissingAuthorization' };
  const parsed = parseFcAuthorization(authorization);
  if (!parsed) return { ok: false, code: 'InvalidAuthorization' };
  const { accessKeyId, signature } = parsed;
  const key = lookup(accessKeyId);
  if (!key) return { ok: false, code: 'InvalidAccessKeyID', accessKeyId };

  let firstStringToSign: string | undefined;
  let matched = false;
  for (const path of pathCandidates(request.path)) {
    const stringToSign = buildFcStringToSign({ ...request, path });
    firstStringToSign ??= stringToSign;
    if (sameText(signFc(stringToSign, key.accessKeySecret), signature)) {
      matched = true;
      break;
    }
  }
  if (!matched) {
    return { ok: false, code: 'SignatureNotMatch', accessKeyId, stringToSign: firstStringToSign ?? '' };
  }

  const token = fcHeader(request.headers, 'x-fc-security-token');
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
  return { ok: true, accessKeyId, key };
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

/** Constant-time comparison, so the verifier does not leak how much of a signature matched. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
