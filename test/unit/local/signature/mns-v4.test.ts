import { describe, expect, it } from 'vitest';
import type { AccessKey } from '../../../../local/credential-store.js';
import {
  buildMnsV4StringToSign,
  type MnsV4Parts,
  mnsV4Authorization,
  parseMnsV4Authorization,
  signMnsV4,
  verifyMnsV4Request,
} from '../../../../local/signature/mns-v4.js';

// Vectors from the official Java SDK's own unit tests (aliyun/aliyun-mns-java-sdk 2.0.0,
// src/test/java/com/aliyun/mns/unitTest/client/common/MNSV4SignerTest.java): inputs and expected Authorization.
const JAVA_VECTORS: ReadonlyArray<{
  name: string;
  parts: MnsV4Parts;
  key: [string, string];
  signature: string;
}> = [
  {
    name: 'query parameters (lower-cased keys, encoded values, one with spaces and one in Chinese)',
    parts: {
      method: 'POST',
      path: '/queues/TestQueue/',
      query: [
        ['param1', 'abc'],
        ['PARAM2', 'd  ef'],
        ['PARAM3', '[def]#bbb'],
        ['PARAM4', '中文参数'],
      ],
      headers: {},
      date: new Date('2025-06-03T10:52:35.638Z'),
      region: 'region1',
    },
    key: ['ak1', 'sk1'],
    signature: '1fc6013f158d4c3aba09570895a2a93c8445c2c5213d82a1463baf602cf0d945',
  },
  {
    name: 'x-mns-* headers of any case signed, others not; a path without its leading slash',
    parts: {
      method: 'PUT',
      path: 'queues/TestQueue123456',
      query: [],
      headers: { 'x-mns-abc': 'kkk', 'X-MNS-Sss': '2015-06-06xFFF', 'x-kkk-def': 'jjj', 'X-KKK-def': 'lll' },
      date: new Date('2025-12-03T11:23:48Z'),
      region: 'region2',
    },
    key: ['akkkkk1111111111', 'skkkkkkk1111111111'],
    signature: '04f1e5f929b5aaac3af6a54970f591581ecd2aade2562f926c5f2ec5d5c8cfad',
  },
  {
    name: 'content-type and content-md5 signed with the x-mns-* headers',
    parts: {
      method: 'GET',
      path: '/queues',
      query: [],
      headers: {
        'x-mns-version': '2015-06-30',
        'x-mns-ttt': '1',
        'X-MNS-UUUuu': 'FALse',
        'bb-MNS-UUUuu': 'abcdddDDD',
        'Content-Type': 'application/json',
        'Content-MD5': '0d9d2ce750000593eb34f00',
      },
      date: new Date('2025-12-04T06:32:35.638Z'),
      region: 'eu-west-1',
    },
    key: ['akkkkk222222222', 'skkkkkk2222222222'],
    signature: '294f776a2d5726df679b54b081ab8126a199a2545c8c8a7a875adff0b386e458',
  },
  {
    name: 'a path with a space and an @',
    parts: {
      method: 'POST',
      path: '/queues/Test Queue@123',
      query: [],
      headers: {},
      date: new Date('2025-06-03T10:52:35.638Z'),
      region: 'testRegion',
    },
    key: ['testAk', 'testSk'],
    signature: '87de7499365a31e767cdc0c726a893c72c860e415876f7f92914197ac3795833',
  },
];

describe('MNS V4 signature (cloud-facts MNS-4)', () => {
  it.each(JAVA_VECTORS)('reproduces the Java SDK: $name', ({ parts, key, signature }) => {
    const [id, secret] = key;
    const day = parts.date.toISOString().slice(0, 10).replace(/-/g, '');
    expect(mnsV4Authorization(parts, id, secret)).toBe(
      `MNS4-HMAC-SHA256 Credential=${id}/${day}/${parts.region}/mns/aliyun_v4_request,Signature=${signature}`,
    );
  });

  it("lays out the string to sign as the SDK's own captured one", () => {
    const text = buildMnsV4StringToSign({
      method: 'PUT',
      path: '/queues/queue-auto-25112417-l0PHHVTHYv',
      query: [],
      headers: { 'Content-Type': 'text/xml;charset=UTF-8', 'x-mns-version': '2015-06-06', Date: 'x' },
      date: new Date('2025-11-24T09:13:59Z'),
      region: 'eu-west-1',
    });
    const expected =
      'MNS4-HMAC-SHA256\n20251124T091359Z\n20251124/eu-west-1/mns/aliyun_v4_request\nPUT\n' +
      '/queues/queue-auto-25112417-l0PHHVTHYv\n\ncontent-type:text/xml;charset=UTF-8\nx-mns-version:2015-06-06\n\n';
    expect(text).toBe(expected);
    // The same vector's signing key and signature, as the SDK test gives them.
    const signingKey = Buffer.from('2HhAzNXcwZJs3dhqkYg7yqkUjS3so+UdhbUR+eKEgtQ=', 'base64');
    expect(signMnsV4(signingKey, text)).toBe(
      '63ebcf43397e672c47d48ca5d9ef7245e59626da7a3d58d37c75cde993429e98',
    );
  });

  it('parses only the public-cloud form of the Authorization', () => {
    expect(
      parseMnsV4Authorization(
        `MNS4-HMAC-SHA256 Credential=AK/20250603/cn-hangzhou/mns/aliyun_v4_request,Signature=${'a'.repeat(64)}`,
      ),
    ).toEqual({ accessKeyId: 'AK', day: '20250603', region: 'cn-hangzhou', signature: 'a'.repeat(64) });
    expect(
      parseMnsV4Authorization(
        `APSARA-MNS4-HMAC-SHA256 Credential=AK/20250603/r/mns/apsara_v4_request,Signature=${'a'.repeat(64)}`,
      ),
    ).toBeUndefined();
    expect(
      parseMnsV4Authorization('MNS4-HMAC-SHA256 Credential=AK/20250603/r/oss/aliyun_v4_request,Signature=ab'),
    ).toBeUndefined();
  });
});

describe('verifyMnsV4Request', () => {
  const KEY: AccessKey = { accessKeyId: 'LTAI5tV4Key', accessKeySecret: 'v4-secret' };
  const STS: AccessKey = {
    accessKeyId: 'STS.V4',
    accessKeySecret: 'sts-secret',
    securityToken: 'CAIS+tok/en==',
  };
  const lookup = (id: string) => [KEY, STS].find((k) => k.accessKeyId === id);
  const date = new Date('2026-11-29T03:51:45Z');

  /** A request as the Java SDK puts it on the wire: a raw receipt handle in the query, the headers it signs. */
  function javaRequest(
    key: AccessKey,
    url = '/queues/jobs/messages?ReceiptHandle=1-ab+cd/ef==&VisibilityTimeout=30',
  ): V4 {
    const headers: Record<string, string> = {
      date: date.toUTCString(),
      'content-type': 'text/xml;charset=UTF-8',
      'x-mns-version': '2015-06-06',
      'x-mns-user-request-id': 'f0e1d2c3',
      host: '1234.mns.cn-hangzhou.aliyuncs.com',
    };
    const [path, query = ''] = url.split('?');
    const pairs = query
      .split('&')
      .filter(Boolean)
      .map((p): [string, string] => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]);
    headers.authorization = mnsV4Authorization(
      { method: 'PUT', path: path ?? '/', query: pairs, headers, date, region: 'cn-hangzhou' },
      key.accessKeyId,
      key.accessKeySecret,
    );
    if (key.securityToken) headers['security-token'] = key.securityToken;
    return { method: 'PUT', url, headers, date, region: 'cn-hangzhou' };
  }

  it('accepts a request signed with the right secret, the raw receipt handle and the headers the SDK signs', () => {
    expect(verifyMnsV4Request(javaRequest(KEY), lookup)).toMatchObject({
      ok: true,
      accessKeyId: KEY.accessKeyId,
    });
  });

  it('accepts parameters the client percent-encoded before signing their decoded value', () => {
    const request = javaRequest(KEY, '/queues/jobs/messages?waitseconds=10');
    const spaced = javaRequest(KEY, '/queues/jobs/messages?tag=a b');
    expect(verifyMnsV4Request(request, lookup).ok).toBe(true);
    expect(verifyMnsV4Request({ ...spaced, url: '/queues/jobs/messages?tag=a%20b' }, lookup).ok).toBe(true);
  });

  it.each([
    ['method', (r: V4) => ({ ...r, method: 'POST' })],
    ['path', (r: V4) => ({ ...r, url: r.url.replace('jobs', 'other') })],
    ['query', (r: V4) => ({ ...r, url: r.url.replace('=30', '=31') })],
    ['content-type', (r: V4) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/xml' } })],
    ['an x-mns-* header', (r: V4) => ({ ...r, headers: { ...r.headers, 'x-mns-user-request-id': 'other' } })],
    ['an added content-md5', (r: V4) => ({ ...r, headers: { ...r.headers, 'content-md5': 'AAAA' } })],
    ['the time', (r: V4) => ({ ...r, date: new Date(date.getTime() + 1000) })],
  ])('refuses an altered %s', (_, alter) => {
    expect(verifyMnsV4Request(alter(javaRequest(KEY)), lookup)).toMatchObject({
      ok: false,
      failure: 'signature-mismatch',
    });
  });

  it('does not sign the host or other headers', () => {
    const request = javaRequest(KEY);
    const moved = { ...request, headers: { ...request.headers, host: 'elsewhere', 'user-agent': 'x' } };
    expect(verifyMnsV4Request(moved, lookup).ok).toBe(true);
  });

  it('refuses a wrong secret, an unknown key, and a scope for another region or day', () => {
    expect(verifyMnsV4Request(javaRequest({ ...KEY, accessKeySecret: 'guess' }), lookup)).toMatchObject({
      failure: 'signature-mismatch',
    });
    expect(
      verifyMnsV4Request(javaRequest({ accessKeyId: 'LTAI5tNobody', accessKeySecret: 'x' }), lookup),
    ).toMatchObject({
      failure: 'unknown-access-key',
    });
    expect(verifyMnsV4Request({ ...javaRequest(KEY), region: 'cn-shanghai' }, lookup)).toMatchObject({
      failure: 'scope-mismatch',
      expected: '20261129/cn-shanghai/mns/aliyun_v4_request',
    });
    const nextDay = new Date('2026-11-30T00:00:01Z');
    expect(verifyMnsV4Request({ ...javaRequest(KEY), date: nextDay }, lookup)).toMatchObject({
      failure: 'scope-mismatch',
    });
  });

  it('checks the unsigned security-token as for V2', () => {
    expect(verifyMnsV4Request(javaRequest(STS), lookup).ok).toBe(true);
    const { 'security-token': _, ...without } = javaRequest(STS).headers;
    expect(verifyMnsV4Request({ ...javaRequest(STS), headers: without }, lookup)).toMatchObject({
      failure: 'token-missing',
    });
    const stray = javaRequest(KEY);
    expect(
      verifyMnsV4Request({ ...stray, headers: { ...stray.headers, 'security-token': 'CAISx' } }, lookup),
    ).toMatchObject({ failure: 'token-unexpected' });
  });
});

type V4 = Parameters<typeof verifyMnsV4Request>[0];
