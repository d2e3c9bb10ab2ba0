import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { AttachInstanceRamRoleRequest, DescribeInstancesRequest } from '@alicloud/ecs20140526';
import { InvokeFunctionHeaders } from '@alicloud/fc20230330/dist/models/InvokeFunctionHeaders.js';
import { InvokeFunctionRequest } from '@alicloud/fc20230330/dist/models/InvokeFunctionRequest.js';
import * as $dara from '@darabonba/typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildCanonicalRequest,
  buildStringToSign,
  canonicalQueryString,
  type HttpRequestParts,
  hashPayload,
  parseAcs3Authorization,
  parseQueryString,
  percentEncode,
  signAcs3,
  verifyAcs3,
} from '../../../../local/signature/acs3.js';
import { type CapturedRequest, captureEcsRequests, captureFcRequests } from './sdk-capture.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/wire/ecs-a1/${name}`, import.meta.url), 'utf8');

/** Parses the captured `request.http` (request line, headers, blank line, empty body). */
function parseHttpCapture(text: string): HttpRequestParts {
  const [head = ''] = text.split('\n\n');
  const [requestLine = '', ...headerLines] = head.split('\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const q = target.indexOf('?');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return { method, path: target.slice(0, q), rawQuery: target.slice(q + 1), headers, body: '' };
}

const KEY = { accessKeyId: 'LTAI5tTestAccessKey000001', accessKeySecret: 'test-secret-0123456789' };
const lookup = (id: string) => (id === KEY.accessKeyId ? KEY.accessKeySecret : undefined);

describe('ACS3 canonical request of the sdk-wire A1 capture', () => {
  const request = parseHttpCapture(fixture('request.http'));
  const authorization = parseAcs3Authorization(String(request.headers.Authorization));

  it('rebuilds the documented canonical request byte for byte', () => {
    expect(authorization?.accessKeyId).toBe('STS.NUgYrLnoC37mZZCNnAbez2nPFake');
    const canonical = buildCanonicalRequest(request, authorization?.signedHeaders ?? []);
    expect(canonical).toBe(fixture('canonical-request.txt'));
  });

  it('hashes it to the documented StringToSign', () => {
    const canonical = buildCanonicalRequest(request, authorization?.signedHeaders ?? []);
    expect(createHash('sha256').update(canonical).digest('hex')).toMatch(/^83bf4569.*feec$/);
    expect(buildStringToSign(canonical)).toBe(fixture('string-to-sign.txt'));
  });

  it('reports the server string to sign when the secret is wrong', () => {
    const result = verifyAcs3(request, () => 'not-the-capture-secret');
    expect(result).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(result.ok ? '' : result.stringToSign).toBe(fixture('string-to-sign.txt'));
  });
});

describe('encoding helpers', () => {
  it('percent-encodes per RFC 3986', () => {
    expect(percentEncode("a b!'()*~-_.")).toBe('a%20b%21%27%28%29%2A~-_.');
    expect(percentEncode('ü€😀')).toBe('%C3%BC%E2%82%AC%F0%9F%98%80');
  });

  it('parses a query without turning + into a space', () => {
    expect(parseQueryString('a=1%2B2&b=x+y&c&d=%20&=e&bad=%E0%A4%A')).toEqual([
      ['a', '1+2'],
      ['b', 'x+y'],
      ['c', ''],
      ['d', ' '],
      ['', 'e'],
      ['bad', '%E0%A4%A'],
    ]);
  });

  it('sorts the canonical query by key in code-unit order', () => {
    expect(
      canonicalQueryString([
        ['b', '2'],
        ['B', '1'],
        ['a', 'x y'],
        ['Tag.10.Key', 'k'],
        ['Tag.1.Key', 'j'],
      ]),
    ).toBe('B=1&Tag.1.Key=j&Tag.10.Key=k&a=x%20y&b=2');
  });

  it('rejects malformed Authorization headers', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256')).toBeUndefined();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host')).toBeUndefined();
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=ff')).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      accessKeyId: 'a',
      signedHeaders: ['host'],
      signature: 'ff',
    });
  });
});

/** A copy of a captured request with some parts replaced. */
function altered(request: CapturedRequest, changes: Partial<HttpRequestParts>): HttpRequestParts {
  return { ...request, ...changes };
}

function withHeader(request: CapturedRequest, name: string, value: string): HttpRequestParts {
  return { ...request, headers: { ...request.headers, [name]: value } };
}

describe('verifying requests signed by @alicloud/ecs20140526', () => {
  let attach: CapturedRequest;
  let unicode: CapturedRequest;
  let sts: CapturedRequest;
  const stsKey = {
    accessKeyId: 'STS.TestStsKey0001',
    accessKeySecret: 'sts-secret',
    securityToken: 'CAIS+tok/=',
  };

  beforeAll(async () => {
    [attach, unicode] = (await captureEcsRequests(KEY, async (client) => {
      await client.attachInstanceRamRole(
        new AttachInstanceRamRoleRequest({
          regionId: 'cn-hangzhou',
          ramRoleName: 'EcsRamRoleDemo',
          instanceIds: JSON.stringify(['i-bp1aaaaaaaaaaaaaaaa1', 'i-bp1bbbbbbbbbbbbbbbb2']),
        }),
      );
      await client.describeInstances(
        new DescribeInstancesRequest({
          regionId: 'cn-hangzhou',
          instanceName: '中文 名字+plus/slash?q=1&x#h~',
          tag: [{ key: 'env', value: "ü€😀 !'()*" }],
        }),
      );
    })) as [CapturedRequest, CapturedRequest];
    [sts] = (await captureEcsRequests(stsKey, (client) =>
      client.describeInstances(new DescribeInstancesRequest({ regionId: 'cn-hangzhou' })),
    )) as [CapturedRequest];
  });

  it('accepts the genuine requests', () => {
    expect(attach.method).toBe('POST');
    expect(verifyAcs3(attach, lookup)).toMatchObject({ ok: true, accessKeyId: KEY.accessKeyId });
    expect(verifyAcs3(unicode, lookup).ok).toBe(true);
    const stsResult = verifyAcs3(sts, (id) =>
      id === stsKey.accessKeyId ? stsKey.accessKeySecret : undefined,
    );
    expect(stsResult).toMatchObject({ ok: true, accessKeyId: stsKey.accessKeyId });
    expect(stsResult.ok && stsResult.signedHeaders).toContain('x-acs-security-token');
  });

  it('canonicalizes the Unicode tag value as RFC 3986', () => {
    const result = verifyAcs3(unicode, lookup);
    expect(result.ok && result.canonicalRequest).toContain(
      'Tag.1.Value=%C3%BC%E2%82%AC%F0%9F%98%80%20%21%27%28%29%2A',
    );
    // The wire form leaves some of these raw: the canonical form must not reuse it.
    expect(unicode.rawQuery).not.toContain('%2A');
  });

  it('refuses a changed query parameter', () => {
    const rawQuery = attach.rawQuery.replace('RegionId=cn-hangzhou', 'RegionId=cn-beijing');
    expect(rawQuery).not.toBe(attach.rawQuery);
    expect(verifyAcs3(altered(attach, { rawQuery }), lookup)).toMatchObject({ reason: 'signature-mismatch' });
  });

  it('refuses an added query parameter', () => {
    const rawQuery = `${attach.rawQuery}&Policy=x`;
    expect(verifyAcs3(altered(attach, { rawQuery }), lookup)).toMatchObject({ reason: 'signature-mismatch' });
  });

  it('refuses a changed signed header', () => {
    for (const [name, value] of [
      ['x-acs-action', 'DetachInstanceRamRole'],
      ['x-acs-date', '2020-01-01T00:00:00Z'],
      ['x-acs-signature-nonce', 'another-nonce'],
      ['host', '127.0.0.1:1'],
    ] as const) {
      expect(verifyAcs3(withHeader(attach, name, value), lookup), name).toMatchObject({
        ok: false,
        reason: 'signature-mismatch',
      });
    }
  });

  it('refuses an added x-acs header that is not signed', () => {
    expect(verifyAcs3(withHeader(attach, 'x-acs-extra', '1'), lookup)).toMatchObject({
      reason: 'unsigned-header',
    });
  });

  it('refuses a changed method or path', () => {
    expect(verifyAcs3(altered(attach, { method: 'GET' }), lookup)).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(verifyAcs3(altered(attach, { path: '/other' }), lookup)).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('refuses a body that does not match x-acs-content-sha256', () => {
    const result = verifyAcs3(altered(attach, { body: Buffer.from('RegionId=cn-beijing') }), lookup);
    expect(result).toMatchObject({ ok: false, reason: 'content-hash-mismatch' });
  });

  it('refuses a wrong secret and an unknown key', () => {
    expect(verifyAcs3(attach, () => 'wrong-secret')).toMatchObject({ reason: 'signature-mismatch' });
    expect(verifyAcs3(attach, () => undefined)).toMatchObject({
      reason: 'unknown-access-key',
      accessKeyId: KEY.accessKeyId,
    });
  });

  it('refuses a missing or malformed Authorization header', () => {
    const { authorization: _dropped, ...rest } = attach.headers;
    expect(verifyAcs3(altered(attach, { headers: rest }), lookup)).toMatchObject({
      reason: 'missing-authorization',
    });
    expect(verifyAcs3(withHeader(attach, 'authorization', 'Bearer x'), lookup)).toMatchObject({
      reason: 'malformed-authorization',
    });
  });
});

describe('a form-body request signed by an independent signer', () => {
  // Written from sdk-wire §3.3 without the module under test, to catch a verifier that agrees with itself.
  function sign(body: string, secret: string): HttpRequestParts {
    const headers: Record<string, string> = {
      host: '127.0.0.1:9',
      'content-type': 'application/x-www-form-urlencoded',
      'x-acs-action': 'DescribeInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2026-11-29T03:51:21Z',
      'x-acs-signature-nonce': 'nonce-1',
      'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
    };
    const names = Object.keys(headers).sort();
    const canonical = [
      'POST',
      '/',
      'PageSize=5&RegionId=cn-hangzhou',
      `${names.map((n) => `${n}:${headers[n]}`).join('\n')}\n`,
      names.join(';'),
      headers['x-acs-content-sha256'],
    ].join('\n');
    const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
    headers.authorization = `ACS3-HMAC-SHA256 Credential=${KEY.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signAcs3(secret, toSign)}`;
    return { method: 'POST', path: '/', rawQuery: 'RegionId=cn-hangzhou&PageSize=5', headers, body };
  }

  it('verifies, and refuses an altered body', () => {
    const request = sign('InstanceIds=%5B%5D', KEY.accessKeySecret);
    expect(verifyAcs3(request, lookup).ok).toBe(true);
    expect(verifyAcs3({ ...request, body: 'InstanceIds=%5B%22x%22%5D' }, lookup)).toMatchObject({
      reason: 'content-hash-mismatch',
    });
    const swapped = {
      ...request,
      body: 'InstanceIds=%5B%22x%22%5D',
      headers: { ...request.headers, 'x-acs-content-sha256': hashPayload('InstanceIds=%5B%22x%22%5D') },
    };
    expect(verifyAcs3(swapped, lookup)).toMatchObject({ reason: 'signature-mismatch' });
  });

  it('refuses a signature made with another secret', () => {
    expect(verifyAcs3(sign('a=1', 'other-secret'), lookup)).toMatchObject({ reason: 'signature-mismatch' });
  });
});

describe('verifying ROA requests signed by @alicloud/fc20230330 (InvokeFunction: path, query, body)', () => {
  /** Bytes that are not UTF-8, and a JSON event: the body hash is over the bytes as sent. */
  const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a, 0xc3, 0x28]);
  const json = Buffer.from(JSON.stringify({ id: 'e-1', data: { name: 'ü€ 😀' } }));
  let requests: CapturedRequest[];

  beforeAll(async () => {
    requests = await captureFcRequests(KEY, async (client) => {
      for (const [body, qualifier] of [
        [binary, 'LATEST'],
        [json, undefined],
        [Buffer.alloc(0), 'prod-alias_1'],
      ] as const) {
        await client.invokeFunctionWithOptions(
          'ecs-ram-role_attacher',
          new InvokeFunctionRequest({
            body: Readable.from(body),
            ...(qualifier === undefined ? {} : { qualifier }),
          }),
          new InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcLogType: 'None' }),
          new $dara.RuntimeOptions({}),
        );
      }
    });
  });

  it('accepts each genuine request: binary, JSON and empty bodies, with and without a query', () => {
    expect(requests.map((r) => [r.method, r.path, r.rawQuery, r.body.length])).toEqual([
      ['POST', '/2023-03-30/functions/ecs-ram-role_attacher/invocations', 'qualifier=LATEST', binary.length],
      ['POST', '/2023-03-30/functions/ecs-ram-role_attacher/invocations', '', json.length],
      ['POST', '/2023-03-30/functions/ecs-ram-role_attacher/invocations', 'qualifier=prod-alias_1', 0],
    ]);
    for (const request of requests) {
      expect(verifyAcs3(request, lookup)).toMatchObject({ ok: true, accessKeyId: KEY.accessKeyId });
      expect(String(request.headers['x-acs-content-sha256'])).toBe(hashPayload(request.body));
    }
  });

  it('signs host, content-type and x-acs-* only: x-fc-* headers are not covered', () => {
    const [first] = requests;
    const result = first === undefined ? undefined : verifyAcs3(first, lookup);
    expect(result?.ok && result.signedHeaders).toEqual([
      'content-type',
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-credentials-provider',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]);
    if (first === undefined) return;
    expect(verifyAcs3(withHeader(first, 'x-fc-invocation-type', 'Sync'), lookup).ok).toBe(true);
  });

  it('refuses a changed body, query or path', () => {
    const [withQuery, withJson] = requests as [CapturedRequest, CapturedRequest];
    const flipped = Buffer.from(withQuery.body);
    flipped[0] = 0x01;
    expect(verifyAcs3(altered(withQuery, { body: flipped }), lookup)).toMatchObject({
      reason: 'content-hash-mismatch',
    });
    // A body and a hash both changed still fail: the hash is part of the signed canonical request.
    const other = Buffer.from('{"id":"e-2"}');
    expect(
      verifyAcs3(
        { ...withHeader(withJson, 'x-acs-content-sha256', hashPayload(other)), body: other },
        lookup,
      ),
    ).toMatchObject({ reason: 'signature-mismatch' });
    expect(verifyAcs3(altered(withQuery, { rawQuery: 'qualifier=v2' }), lookup)).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(verifyAcs3(altered(withQuery, { rawQuery: '' }), lookup)).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(
      verifyAcs3(altered(withJson, { path: '/2023-03-30/functions/other/invocations' }), lookup),
    ).toMatchObject({ reason: 'signature-mismatch' });
  });
});
