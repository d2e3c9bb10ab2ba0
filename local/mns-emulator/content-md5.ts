import { createHash } from 'node:crypto';

/**
 * The `Content-MD5` forms MNS accepts for a request body (cloud-facts MNS-5): RFC 1864's base64 of the raw 16-byte
 * digest, which the common-parameters page points at (the community `ali-mns` client sends it), and base64 of the
 * 32-character lower-case hex digest, which the official Node, Python and Go SDKs send.
 */
export type ContentMd5Form = 'rfc1864' | 'hex';

/** Which form the header is for this body; undefined when it is the digest of neither (or no digest at all). */
export function contentMd5Form(header: string, body: Buffer): ContentMd5Form | undefined {
  const digest = createHash('md5').update(body).digest();
  if (header === digest.toString('base64')) return 'rfc1864';
  if (header === Buffer.from(digest.toString('hex'), 'utf8').toString('base64')) return 'hex';
  return undefined;
}
