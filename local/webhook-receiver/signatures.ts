import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Signature checks as each service documents them, written apart from the senders in shared/alerts/targets/ so
 * that a mistake in one is not mirrored in the other.
 */

/** DingTalk 加签 and Lark 签名校验: the timestamp may be at most one hour from the service's clock. */
export const ONE_HOUR_MS = 3_600_000;
/** Our generic webhook: X-Timestamp within five minutes (shared/alerts/README.md). */
export const WEBHOOK_WINDOW_MS = 300_000;

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * DingTalk: `timestamp` (ms) and `sign` query parameters; `sign` is base64(HMAC-SHA256(key = secret,
 * msg = timestamp + "\n" + secret)), URL-encoded. `sign` here is the decoded query value.
 */
export function checkDingTalkSignature(
  timestamp: string | null,
  sign: string | null,
  secret: string,
  now: number,
): string[] {
  if (timestamp === null || sign === null) return ['missing timestamp or sign query parameter'];
  if (!/^\d{13}$/.test(timestamp)) return ['timestamp is not milliseconds since the epoch'];
  if (Math.abs(now - Number(timestamp)) > ONE_HOUR_MS) return ['timestamp is more than one hour from now'];
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
    .digest('base64');
  return equal(sign, expected) ? [] : ['sign does not match'];
}

/** Lark: `timestamp` (s, string) and `sign` = base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = "")). */
export function checkLarkSignature(timestamp: unknown, sign: unknown, secret: string, now: number): string[] {
  if (typeof timestamp !== 'string' || typeof sign !== 'string')
    return ['missing timestamp or sign in the body'];
  if (!/^\d{10}$/.test(timestamp)) return ['timestamp is not seconds since the epoch'];
  if (Math.abs(now - Number(timestamp) * 1000) > ONE_HOUR_MS)
    return ['timestamp is more than one hour from now'];
  const expected = createHmac('sha256', Buffer.from(`${timestamp}\n${secret}`, 'utf8')).digest('base64');
  return equal(sign, expected) ? [] : ['sign does not match'];
}

/** Generic webhook: `X-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, `X-Timestamp` (s) within 5 min. */
export function checkWebhookSignature(
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: Buffer,
  secret: string,
  now: number,
): string[] {
  if (timestamp === undefined || signature === undefined)
    return ['missing X-Timestamp or X-Signature header'];
  if (!/^\d+$/.test(timestamp)) return ['X-Timestamp is not seconds since the epoch'];
  if (Math.abs(now - Number(timestamp) * 1000) > WEBHOOK_WINDOW_MS) {
    return ['X-Timestamp is more than five minutes from now'];
  }
  const expected = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
  return equal(signature, expected) ? [] : ['X-Signature does not match'];
}
