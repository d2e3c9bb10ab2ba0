import { createHmac } from 'node:crypto';
import { canonicalQueryString, percentEncode, type QueryPairs, sameText } from './acs3.js';

/**
 * Legacy RPC signature (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0), what the SDK sends with
 * `Config.signatureAlgorithm: 'v2'` (`../shared/reference/sdk-wire.md` §3.4). Pure functions; the emulator checks
 * Timestamp, SignatureNonce and SecurityToken around `verifyRpcV1`.
 */

export const RPC_V1_SIGNATURE_METHOD = 'HMAC-SHA1';

/** True when the parameters ask for the legacy signature (the ACS3 path carries no SignatureMethod). */
export function isRpcV1Request(params: QueryPairs): boolean {
  return params.some(([key]) => key === 'SignatureMethod');
}

/**
 * `METHOD&%2F&encode(canonicalized)`, where canonicalized is every parameter except `Signature`, sorted and
 * RFC 3986 encoded. The path is always `/` in the string to sign, whatever the request path.
 */
export function buildRpcV1StringToSign(method: string, params: QueryPairs): string {
  const canonicalized = canonicalQueryString(params.filter(([key]) => key !== 'Signature'));
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalized)}`;
}

/** base64 HMAC-SHA1 keyed with `AccessKeySecret + "&"`. */
export function signRpcV1(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

export type RpcV1FailureReason =
  | 'missing-access-key-id'
  | 'missing-signature'
  /** SignatureMethod other than HMAC-SHA1 (or missing). */
  | 'unsupported-signature-method'
  | 'unknown-access-key'
  | 'signature-mismatch';

export type RpcV1Verification =
  | { ok: true; accessKeyId: string; stringToSign: string }
  | {
      ok: false;
      reason: RpcV1FailureReason;
      accessKeyId?: string;
      /** Set for `signature-mismatch`. */
      stringToSign?: string;
      detail: string;
    };

/**
 * Verifies a legacy RPC request. `params` are all decoded query parameters plus any form-body parameters (the
 * signature covers both). Never throws.
 */
export function verifyRpcV1(
  request: { method: string; params: QueryPairs },
  lookupSecret: (accessKeyId: string) => string | undefined,
): RpcV1Verification {
  const get = (key: string) => request.params.find(([k]) => k === key)?.[1];
  const method = get('SignatureMethod');
  if (method !== RPC_V1_SIGNATURE_METHOD) {
    return {
      ok: false,
      reason: 'unsupported-signature-method',
      detail: `SignatureMethod ${method ?? '(none)'} is not supported`,
    };
  }
  const accessKeyId = get('AccessKeyId');
  if (!accessKeyId) return { ok: false, reason: 'missing-access-key-id', detail: 'no AccessKeyId parameter' };
  const signature = get('Signature');
  if (!signature)
    return { ok: false, reason: 'missing-signature', accessKeyId, detail: 'no Signature parameter' };
  const secret = lookupSecret(accessKeyId);
  if (secret === undefined) {
    return {
      ok: false,
      reason: 'unknown-access-key',
      accessKeyId,
      detail: `unknown AccessKeyId ${accessKeyId}`,
    };
  }
  const stringToSign = buildRpcV1StringToSign(request.method, request.params);
  if (!sameText(signRpcV1(secret, stringToSign), signature)) {
    return {
      ok: false,
      reason: 'signature-mismatch',
      accessKeyId,
      stringToSign,
      detail: 'signature differs',
    };
  }
  return { ok: true, accessKeyId, stringToSign };
}
