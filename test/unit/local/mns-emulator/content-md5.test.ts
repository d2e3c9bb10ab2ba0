import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentMd5Form } from '../../../../local/mns-emulator/content-md5.js';

const rfc1864 = (body: Buffer) => createHash('md5').update(body).digest('base64');
const ofHex = (body: Buffer) =>
  Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');

describe('contentMd5Form (cloud-facts MNS-5)', () => {
  it('knows the two captured forms of the empty body', () => {
    // @alicloud/mns sends this on every DELETE (sdk-wire.md §4.2); RFC 1864's form of the same digest.
    expect(contentMd5Form('ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=', Buffer.alloc(0))).toBe('hex');
    expect(contentMd5Form('1B2M2Y8AsgTpgAmY7PhCfg==', Buffer.alloc(0))).toBe('rfc1864');
  });

  it('accepts either form of the digest of any body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const body = Buffer.from(bytes);
        expect(contentMd5Form(rfc1864(body), body)).toBe('rfc1864');
        expect(contentMd5Form(ofHex(body), body)).toBe('hex');
      }),
    );
  });

  it('refuses the digest of any other body, in either form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.uint8Array({ maxLength: 256 }), (a, b) => {
        fc.pre(!Buffer.from(a).equals(Buffer.from(b)));
        const body = Buffer.from(a);
        const other = Buffer.from(b);
        expect(contentMd5Form(rfc1864(other), body)).toBeUndefined();
        expect(contentMd5Form(ofHex(other), body)).toBeUndefined();
      }),
    );
  });

  it('refuses what is neither form: the bare hex, base64 of upper-case hex, padding dropped, empty', () => {
    const body = Buffer.from('<Message><MessageBody>x</MessageBody></Message>');
    const hex = createHash('md5').update(body).digest('hex');
    for (const wrong of [
      hex,
      Buffer.from(hex.toUpperCase(), 'utf8').toString('base64'),
      rfc1864(body).replace(/=+$/, ''),
      '',
    ]) {
      expect(contentMd5Form(wrong, body), wrong).toBeUndefined();
    }
  });
});
