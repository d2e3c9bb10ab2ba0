import { randomBytes } from 'node:crypto';

/** An FC 3.0-style request id: `1-<hex epoch seconds>-<24 hex>`, e.g. `1-6752a1b0-0123456789abcdef01234567`. */
export function newRequestId(now = Date.now()): string {
  return `1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** An FC 3.0-style instance id, `c-<hex epoch seconds>-<16 hex>`. */
export function newInstanceId(now = Date.now()): string {
  return `c-${Math.floor(now / 1000).toString(16)}-${randomBytes(8).toString('hex')}`;
}
