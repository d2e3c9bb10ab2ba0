import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessKey } from '../../../../local/credential-store.js';
import {
  buildMnsStringToSign,
  claimedAccessKeyId,
  type HeaderBag,
  mnsAuthorization,
  mnsRequestDate,
  mnsResourceCandidates,
  parseMnsAuthorization,
  verifyMnsRequest,
} from '../../../../local/signature/mns.js';
import { mnsV4Authorization } from '../../../../local/signature/mns-v4.js';

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  stringToSign: string;
}

function capture(name: string): Capture {
  return JSON.parse(
    readFileSync(new URL(`../../../fixtures/wire/${name}`, import.meta.url), 'utf8'),
  ) as Capture;
}

const LONG_TERM: AccessKey = {
  accessKeyId: 'LTAI5tTestKey000000001',
  accessKeySecret: 'test-secret-0123456789',
};
const STS: AccessKey = {
  accessKeyId: 'STS.TestStsKey000000000001',
  accessKeySecret: 'sts-secret-abcdefghijklmnop',
  securityToken: 'CAIS+FakeSecurityToken/with+slash=and=equals==',
};
const lookup = (id: string) => [LONG_TERM, STS].find((key) => key.accessKeyId === id);

/** A request as the SDK would send it, signed with `key`. */
function signed(method: string, url: string, key: AccessKey, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = {
    date: 'Sun, 29 Nov 2026 03:51:45 GMT',
    host: '127.0.0.1:44099',
    'x-mns-date': 'Sun, 29 Nov 2026 03:51:45 GMT',
    'x-mns-version': '2015-06-06',
    ...(method !== 'GET' && {
      'content-type': 'text/xml',
      'content-md5': 'ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=',
    }),
    ...extra,
  };
  headers.authorization = mnsAuthorization(
    { method, resource: url, headers },
    key.accessKeyId,
    key.accessKeySecret,
  );
  if (key.securityToken !== undefined) headers['security-token'] = key.securityToken;
  return { method, url, headers };
}

describe('MNS StringToSign', () => {
  it.each(['mns-send-message-ak.json', 'mns-send-message-sts.json'])(
    'rebuilds the captured %s exactly',
    (file) => {
      const c = capture(file);
      expect(buildMnsStringToSign({ method: c.method, resource: c.url, headers: c.headers })).toBe(
        c.stringToSign,
      );
    },
  );

  it('keeps empty MD5 and type lines for GET and sorts x-mns-* headers', () => {
    const headers: HeaderBag = { 'x-mns-version': '2015-06-06', date: 'D', 'x-mns-date': 'D', host: 'h' };
    expect(
      buildMnsStringToSign({ method: 'get', resource: '/queues/q/messages?waitseconds=3', headers }),
    ).toBe('GET\n\n\nD\nx-mns-date:D\nx-mns-version:2015-06-06\n/queues/q/messages?waitseconds=3');
  });

  it('refuses the captures when checked with a secret other than the (unpublished) one they were signed with', () => {
    const c = capture('mns-send-message-ak.json');
    const other = { accessKeyId: 'LTAI5tFakeMnsAccessKey0001', accessKeySecret: 'not-the-secret' };
    const result = verifyMnsRequest({ method: c.method, url: c.url, headers: c.headers }, () => other);
    expect(result).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', stringToSign: c.stringToSign });
  });
});

describe('verifyMnsRequest', () => {
  it('accepts a request signed with the right secret', () => {
    const request = signed('POST', '/queues/jobs/messages', LONG_TERM);
    expect(verifyMnsRequest(request, lookup)).toMatchObject({ ok: true, accessKeyId: LONG_TERM.accessKeyId });
  });

  it('accepts a GET with no content headers', () => {
    expect(
      verifyMnsRequest(signed('GET', '/queues/jobs/messages?waitseconds=10', LONG_TERM), lookup).ok,
    ).toBe(true);
  });

  it.each([
    ['path', (r: Sig) => ({ ...r, url: '/queues/other/messages' })],
    ['query', (r: Sig) => ({ ...r, url: '/queues/jobs/messages?waitseconds=11' })],
    ['method', (r: Sig) => ({ ...r, method: 'PUT' })],
    ['date', (r: Sig) => ({ ...r, headers: { ...r.headers, date: 'Sun, 29 Nov 2026 03:51:46 GMT' } })],
    ['content-md5', (r: Sig) => ({ ...r, headers: { ...r.headers, 'content-md5': 'AAAA' } })],
    ['content-type', (r: Sig) => ({ ...r, headers: { ...r.headers, 'content-type': 'application/xml' } })],
    ['x-mns-version', (r: Sig) => ({ ...r, headers: { ...r.headers, 'x-mns-version': '2015-06-07' } })],
    ['an added x-mns-* header', (r: Sig) => ({ ...r, headers: { ...r.headers, 'x-mns-prefix': 'a' } })],
  ])('refuses an altered %s', (_, alter) => {
    const result = verifyMnsRequest(alter(signed('POST', '/queues/jobs/messages', LONG_TERM)), lookup);
    expect(result).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('does not sign the host header', () => {
    const request = signed('POST', '/queues/jobs/messages', LONG_TERM);
    const moved = { ...request, headers: { ...request.headers, host: 'elsewhere:1' } };
    expect(verifyMnsRequest(moved, lookup).ok).toBe(true);
  });

  it('refuses a wrong secret', () => {
    const forged = signed('POST', '/queues/jobs/messages', { ...LONG_TERM, accessKeySecret: 'guess' });
    expect(verifyMnsRequest(forged, lookup)).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch' });
  });

  it('refuses an unknown AccessKeyId and malformed or missing Authorization', () => {
    const unknown = signed('POST', '/queues/jobs/messages', {
      accessKeyId: 'LTAI5tNobody',
      accessKeySecret: 'x',
    });
    expect(verifyMnsRequest(unknown, lookup)).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' });
    const request = signed('POST', '/queues/jobs/messages', LONG_TERM);
    const bearer = { ...request, headers: { ...request.headers, authorization: 'Bearer abc' } };
    expect(verifyMnsRequest(bearer, lookup)).toMatchObject({ ok: false, code: 'InvalidAuthorizationHeader' });
    const { authorization: _, ...unsigned } = request.headers;
    expect(verifyMnsRequest({ ...request, headers: unsigned }, lookup)).toMatchObject({
      ok: false,
      code: 'MissingAuthorizationHeader',
    });
  });

  it('verifies a receipt handle holding + / = sent raw', () => {
    const url = '/queues/jobs/messages?ReceiptHandle=1-ab+cd/ef==&x=%41';
    expect(verifyMnsRequest(signed('DELETE', url, LONG_TERM), lookup).ok).toBe(true);
  });

  it('verifies a resource whose characters url.parse escaped on the wire', () => {
    const request = signed('DELETE', '/queues/jobs/messages?ReceiptHandle=a b"{|}^`', LONG_TERM);
    const onTheWire = { ...request, url: '/queues/jobs/messages?ReceiptHandle=a%20b%22%7B%7C%7D%5E%60' };
    expect(verifyMnsRequest(onTheWire, lookup)).toMatchObject({ ok: true, resource: request.url });
    expect(mnsResourceCandidates(onTheWire.url)).toEqual([onTheWire.url, request.url]);
    expect(mnsResourceCandidates('/queues/q/messages')).toEqual(['/queues/q/messages']);
  });

  describe('STS', () => {
    it('accepts the right security-token, which is not part of the signature', () => {
      expect(verifyMnsRequest(signed('POST', '/queues/jobs/messages', STS), lookup)).toMatchObject({
        ok: true,
      });
    });

    it('refuses a missing or wrong token', () => {
      const request = signed('POST', '/queues/jobs/messages', STS);
      const { 'security-token': _, ...withoutToken } = request.headers;
      expect(verifyMnsRequest({ ...request, headers: withoutToken }, lookup)).toMatchObject({
        ok: false,
        code: 'InvalidSecurityToken',
        reason: 'missing',
      });
      const wrong = { ...request, headers: { ...request.headers, 'security-token': 'CAISother' } };
      expect(verifyMnsRequest(wrong, lookup)).toMatchObject({
        ok: false,
        code: 'InvalidSecurityToken',
        reason: 'mismatch',
      });
    });

    it('refuses a token sent with a long-term key', () => {
      const request = signed('POST', '/queues/jobs/messages', LONG_TERM, {});
      const mixed = { ...request, headers: { ...request.headers, 'security-token': 'CAISx' } };
      expect(verifyMnsRequest(mixed, lookup)).toMatchObject({ ok: false, code: 'InvalidSecurityToken' });
    });
  });
});

describe('other clients (cloud-facts MNS-2, MNS-3)', () => {
  // The official Java SDK's own V2 vectors (aliyun/aliyun-mns-java-sdk 2.0.0, MNSV2SignerTest.java): it signs the
  // Date line from its request time and lower-cases x-mns-* names, whatever case they were given in.
  it.each([
    {
      method: 'POST',
      resource: '/queues/TestQueue',
      headers: { Date: 'Tue, 03 Jun 2025 11:23:48 GMT', 'x-mns-abcDEF': 'abcDEF', 'x-kkk-def': 'def' },
      key: ['ak1', 'sk1'],
      expected: 'MNS ak1:cAThPWnbphg3hDe3ZHDADTgkgyE=',
    },
    {
      method: 'GET',
      resource: '/queues/TestQueue123456',
      headers: { Date: 'Wed, 03 Dec 2025 11:23:48 GMT', 'X-MNS-abcDEF': 'KKKkkk', 'x-kkk-def': 'jjj' },
      key: ['ak-kkkk1111111111', 'sk-kkkkkk1111111111'],
      expected: 'MNS ak-kkkk1111111111:lPxnfNA+Qo/aj18MYJUnRMqa84I=',
    },
    {
      method: 'POST',
      resource: '/queues/Test Queue@123',
      headers: { Date: 'Tue, 03 Jun 2025 11:23:48 GMT', 'content-type': 'application/json' },
      key: ['testAk', 'testSk'],
      expected: 'MNS testAk:GZ/I9UgZsqvbzfzjd0GmA6VHOx4=',
    },
  ])('reproduces the Java SDK vector $expected', ({ method, resource, headers, key, expected }) => {
    const [id = '', secret = ''] = key;
    expect(mnsAuthorization({ method, resource, headers }, id, secret)).toBe(expected);
  });

  it('signs x-mns-date on the DATE line when no Date header is sent, and verifies it', () => {
    const headers: Record<string, string> = { 'x-mns-date': 'D', 'x-mns-version': '2015-06-06' };
    expect(buildMnsStringToSign({ method: 'GET', resource: '/queues/q', headers })).toBe(
      'GET\n\n\nD\nx-mns-date:D\nx-mns-version:2015-06-06\n/queues/q',
    );
    expect(mnsRequestDate(headers)).toBe('D');
    expect(mnsRequestDate({ date: 'A', 'x-mns-date': 'B' })).toBe('A');
    const request = signed('GET', '/queues/jobs/messages', LONG_TERM);
    const { date: _, ...browser } = request.headers;
    browser.authorization = mnsAuthorization(
      { method: 'GET', resource: request.url, headers: browser },
      LONG_TERM.accessKeyId,
      LONG_TERM.accessKeySecret,
    );
    expect(verifyMnsRequest({ ...request, headers: browser }, lookup).ok).toBe(true);
    // Signed with an empty DATE line instead: refused.
    const emptyLine = createHmac('sha1', LONG_TERM.accessKeySecret)
      .update(
        buildMnsStringToSign({ method: 'GET', resource: request.url, headers: { ...browser, date: '' } }),
      )
      .digest('base64');
    const wrong = { ...browser, authorization: `MNS ${LONG_TERM.accessKeyId}:${emptyLine}` };
    expect(verifyMnsRequest({ ...request, headers: wrong }, lookup)).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('hands a V4 Authorization to the V4 verifier, which needs the endpoint region', () => {
    const date = new Date('2026-11-29T03:51:45Z');
    const headers: Record<string, string> = { date: date.toUTCString(), 'x-mns-version': '2015-06-06' };
    headers.authorization = mnsV4Authorization(
      { method: 'GET', path: '/queues/jobs/messages', query: [], headers, date, region: 'cn-hangzhou' },
      LONG_TERM.accessKeyId,
      LONG_TERM.accessKeySecret,
    );
    const request = { method: 'GET', url: '/queues/jobs/messages', headers };
    expect(verifyMnsRequest({ ...request, region: 'cn-hangzhou' }, lookup)).toMatchObject({ ok: true });
    expect(verifyMnsRequest(request, lookup)).toMatchObject({ code: 'InvalidAuthorizationHeader' });
    expect(verifyMnsRequest({ ...request, region: 'cn-beijing' }, lookup)).toMatchObject({
      code: 'SignatureDoesNotMatch',
      expectedScope: '20261129/cn-beijing/mns/aliyun_v4_request',
    });
    expect(claimedAccessKeyId(headers.authorization)).toBe(LONG_TERM.accessKeyId);
    expect(claimedAccessKeyId('MNS AK:sig')).toBe('AK');
  });
});

describe('parseMnsAuthorization', () => {
  it('splits on the first colon only', () => {
    expect(parseMnsAuthorization('MNS AK:c2ln:x=')).toEqual({ accessKeyId: 'AK', signature: 'c2ln:x=' });
    expect(parseMnsAuthorization('MNS AK')).toBeUndefined();
    expect(parseMnsAuthorization('OSS AK:sig')).toBeUndefined();
  });
});

type Sig = ReturnType<typeof signed>;
