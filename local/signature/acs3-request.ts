import type { AccessKey } from '../credential-store.js';
import { type Acs3FailureReason, type HttpRequestParts, normalizeHeaders, verifyAcs3 } from './acs3.js';

/**
 * Everything a gateway checks on an ACS3-HMAC-SHA256 request beyond the signature itself (Alibaba Cloud's V3
 * signature: `x-acs-date` in ISO 8601 UTC, a fresh `x-acs-signature-nonce`, an STS key's `x-acs-security-token`):
 * signature first, then the token, the clock, the nonce. Pure apart from the nonce callback, which is asked only
 * once everything else passed, so a refused request cannot burn a nonce. Each emulator maps the failures to its
 * own service's codes.
 */
export interface Acs3RequestDeps {
  lookup: (accessKeyId: string) => AccessKey | undefined;
  now: () => number;
  /** Largest accepted difference between `x-acs-date` and `now()`. */
  maxSkewMs: number;
  /** Remembers the nonce for this key; false when it was used already. */
  useNonce: (accessKeyId: string, nonce: string, nowMs: number) => boolean;
}

export type Acs3RequestFailure =
  | { ok: false; reason: Acs3FailureReason; accessKeyId?: string; detail: string; stringToSign?: string }
  | {
      ok: false;
      reason:
        | 'token-missing'
        | 'token-mismatch'
        | 'date-missing'
        | 'date-malformed'
        | 'date-skewed'
        | 'nonce-missing'
        | 'nonce-reused';
      accessKeyId: string;
      detail: string;
    };

export type Acs3RequestResult = { ok: true; accessKeyId: string; key: AccessKey } | Acs3RequestFailure;

export function authenticateAcs3Request(request: HttpRequestParts, deps: Acs3RequestDeps): Acs3RequestResult {
  const verdict = verifyAcs3(request, (id) => deps.lookup(id)?.accessKeySecret);
  if (!verdict.ok) return verdict;
  const { accessKeyId } = verdict;
  const key = deps.lookup(accessKeyId);
  if (key === undefined) {
    return {
      ok: false,
      reason: 'unknown-access-key',
      accessKeyId,
      detail: `unknown AccessKeyId ${accessKeyId}`,
    };
  }
  const headers = normalizeHeaders(request.headers);
  const fail = (reason: Extract<Acs3RequestFailure, { accessKeyId: string }>['reason'], detail: string) =>
    ({ ok: false, reason, accessKeyId, detail }) as const;

  // An STS key is valid only with the token issued with it; the token header is signed (x-acs-*).
  if (key.securityToken !== undefined) {
    const token = headers.get('x-acs-security-token');
    if (!token) return fail('token-missing', `x-acs-security-token is required with STS key ${accessKeyId}`);
    if (token !== key.securityToken)
      return fail('token-mismatch', `x-acs-security-token is not ${accessKeyId}'s`);
  }

  const date = headers.get('x-acs-date');
  if (!date) return fail('date-missing', 'no x-acs-date header');
  const at = parseAcsDate(date);
  if (at === undefined)
    return fail('date-malformed', `x-acs-date ${JSON.stringify(date)} is not yyyy-MM-ddTHH:mm:ssZ`);
  const now = deps.now();
  if (Math.abs(now - at) > deps.maxSkewMs) {
    return fail('date-skewed', `x-acs-date ${date} is more than ${deps.maxSkewMs / 60_000} minutes off`);
  }

  const nonce = headers.get('x-acs-signature-nonce');
  if (!nonce) return fail('nonce-missing', 'no x-acs-signature-nonce header');
  if (!deps.useNonce(accessKeyId, nonce, now))
    return fail('nonce-reused', `signature nonce ${nonce} was used already`);
  return { ok: true, accessKeyId, key };
}

/** `2026-11-29T03:51:21Z` (UTC, seconds; fractions tolerated), else undefined. */
export function parseAcsDate(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
