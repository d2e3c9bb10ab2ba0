import type { IncomingMessage } from 'node:http';

/**
 * The AccessKeyId a request is signed with, read before authentication to choose the account it is for: the
 * ACS3 `Authorization` header's `Credential=`, else the RPC signature's `AccessKeyId` parameter (query or form).
 * Only routing depends on it; the chosen account's handler then authenticates the request in full.
 */
export function callerAccessKeyId(req: IncomingMessage, body: Buffer): string | undefined {
  const auth = req.headers.authorization;
  const fromHeader = typeof auth === 'string' ? /Credential=([^,\s]+)/.exec(auth)?.[1] : undefined;
  if (fromHeader !== undefined) return fromHeader;
  const query = (req.url ?? '').split('?', 2)[1] ?? '';
  for (const text of [query, body.toString('utf8')]) {
    const value = new URLSearchParams(text).get('AccessKeyId');
    if (value) return value;
  }
  return undefined;
}
