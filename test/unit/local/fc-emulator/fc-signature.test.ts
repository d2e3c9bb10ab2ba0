import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import FC from '@alicloud/fc2';
import { describe, expect, it } from 'vitest';
import type { AccessKey, StsKey } from '../../../../local/credential-store.js';
import {
  buildFcStringToSign,
  type FcRequestParts,
  fcAuthorization,
  fcContentMd5,
  parseFcAuthorization,
  verifyFcRequest,
} from '../../../../local/fc-emulator/fc-signature.js';

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  stringToSign: string;
}

const capture = JSON.parse(
  readFileSync(new URL('../../../fixtures/wire/fc-invoke-async-ak.json', import.meta.url), 'utf8'),
) as Capture;

const LONG_TERM: AccessKey = {
  accessKeyId: 'LTAI5tFcTestKey0000001',
  accessKeySecret: 'fc-test-secret-0123',
};
const STS: StsKey = {
  accessKeyId: 'STS.FcTestStsKey0000000001',
  accessKeySecret: 'fc-sts-secret-abcdefghij',
  securityToken: 'CAIS+FakeFcToken/with+slash=',
};
const lookup = (id: string) => [LONG_TERM, STS].find((key) => key.accessKeyId === id);

interface Captured extends FcRequestParts {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Runs `calls` with the real fc2 client against a throw-away server and returns what reached it. */
async function captureFc(key: AccessKey, calls: (client: FC) => Promise<unknown>): Promise<Captured[]> {
  const captured: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': 'r' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const client = new FC('1234567890123456', {
      accessKeyID: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(key.securityToken === undefined ? {} : { securityToken: key.securityToken }),
      region: 'cn-hangzhou',
      endpoint: `http://127.0.0.1:${port}`,
      timeout: 5000,
    });
    await calls(client);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return captured;
}

/** One request of each path fc2 sends to: 2016-08-15 invokeFunction (with a qualifier) and 2023-03-30 post. */
async function sdkRequests(key: AccessKey): Promise<Captured[]> {
  return captureFc(key, async (client) => {
    await client.invokeFunction('svc', 'worker', Buffer.from('{"a":1}'), { 'X-Fc-Invocation-Type': 'Async' });
    await client.invokeFunction('svc', 'worker', 'sync event', {}, 'LATEST');
    client.version = '2023-03-30';
    await client.post('/functions/worker/invocations', Buffer.from('{"b":2}'), {
      'x-fc-invocation-type': 'Sync',
    });
  });
}

describe('FC StringToSign', () => {
  it('rebuilds the captured fc2 request exactly (mixed-case x-fc-* header included)', () => {
    expect(buildFcStringToSign({ method: capture.method, path: capture.url, headers: capture.headers })).toBe(
      capture.stringToSign,
    );
  });

  it('the captured Content-MD5 is fc2s: base64 of the hex MD5 of the body', () => {
    expect(fcContentMd5(Buffer.from(capture.body, 'utf8'))).toBe(capture.headers['content-md5']);
  });

  it('refuses the capture checked with a secret other than the (unpublished) one it was signed with', () => {
    const other = { accessKeyId: 'LTAI5tFakeFcAccessKey00001', accessKeySecret: 'not-the-secret' };
    const result = verifyFcRequest(
      { method: capture.method, path: capture.url, headers: capture.headers },
      () => other,
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'SignatureNotMatch',
      stringToSign: capture.stringToSign,
    });
  });

  it('keeps empty MD5 and type lines when there is no body', () => {
    const headers = { date: 'D', 'x-fc-account-id': '1', host: 'h' };
    expect(buildFcStringToSign({ method: 'get', path: '/2023-03-30/functions/f', headers })).toBe(
      'GET\n\n\nD\nx-fc-account-id:1\n/2023-03-30/functions/f',
    );
  });
});

describe('verifyFcRequest against requests made by the real @alicloud/fc2', () => {
  it('accepts every request on both API paths, with a long-term key and with STS', async () => {
    for (const key of [LONG_TERM, STS]) {
      const requests = await sdkRequests(key);
      expect(requests.map((r) => r.path)).toEqual([
        '/2016-08-15/services/svc/functions/worker/invocations',
        '/2016-08-15/services/svc.LATEST/functions/worker/invocations',
        '/2023-03-30/functions/worker/invocations',
      ]);
      for (const request of requests) {
        expect(verifyFcRequest(request, lookup)).toMatchObject({ ok: true, accessKeyId: key.accessKeyId });
        expect(request.headers['content-md5']).toBe(fcContentMd5(request.body));
      }
    }
  });

  it.each([
    ['path (function)', (r: Captured) => ({ ...r, path: r.path.replace('worker', 'other') })],
    ['path (version)', (r: Captured) => ({ ...r, path: r.path.replace('2016-08-15', '2023-03-30') })],
    ['method', (r: Captured) => ({ ...r, method: 'PUT' })],
    ['date', (r: Captured) => ({ ...r, headers: { ...r.headers, date: 'Sun, 29 Nov 2026 03:51:47 GMT' } })],
    [
      'content-md5',
      (r: Captured) => ({ ...r, headers: { ...r.headers, 'content-md5': fcContentMd5(Buffer.from('x')) } }),
    ],
    [
      'content-type',
      (r: Captured) => ({ ...r, headers: { ...r.headers, 'content-type': 'application/json' } }),
    ],
    [
      'x-fc-invocation-type',
      (r: Captured) => ({ ...r, headers: { ...r.headers, 'x-fc-invocation-type': 'Sync' } }),
    ],
    ['x-fc-account-id', (r: Captured) => ({ ...r, headers: { ...r.headers, 'x-fc-account-id': '1' } })],
    [
      'an added x-fc-* header',
      (r: Captured) => ({ ...r, headers: { ...r.headers, 'x-fc-log-type': 'Tail' } }),
    ],
  ])('refuses an altered %s', async (_, alter) => {
    const [request] = await sdkRequests(LONG_TERM);
    if (request === undefined) throw new Error('nothing captured');
    expect(verifyFcRequest(request, lookup).ok).toBe(true);
    expect(verifyFcRequest(alter(request), lookup)).toMatchObject({ ok: false, code: 'SignatureNotMatch' });
  });

  it('refuses a wrong secret, an unknown AccessKey and malformed or missing authorization', async () => {
    const [forged] = await sdkRequests({ ...LONG_TERM, accessKeySecret: 'guess' });
    const [unknown] = await sdkRequests({ accessKeyId: 'LTAI5tNobody', accessKeySecret: 'x' });
    if (forged === undefined || unknown === undefined) throw new Error('nothing captured');
    expect(verifyFcRequest(forged, lookup)).toMatchObject({ ok: false, code: 'SignatureNotMatch' });
    expect(verifyFcRequest(unknown, lookup)).toMatchObject({ ok: false, code: 'InvalidAccessKeyID' });
    const bearer = { ...forged, headers: { ...forged.headers, authorization: 'Bearer abc' } };
    expect(verifyFcRequest(bearer, lookup)).toMatchObject({ ok: false, code: 'InvalidAuthorization' });
    const { authorization: _, ...unsigned } = forged.headers;
    expect(verifyFcRequest({ ...forged, headers: unsigned }, lookup)).toMatchObject({
      ok: false,
      code: 'MissingAuthorization',
    });
  });

  it('does not sign the host header', async () => {
    const [request] = await sdkRequests(LONG_TERM);
    if (request === undefined) throw new Error('nothing captured');
    expect(
      verifyFcRequest({ ...request, headers: { ...request.headers, host: 'elsewhere' } }, lookup).ok,
    ).toBe(true);
  });
});

describe('x-fc-security-token', () => {
  const date = 'Sun, 29 Nov 2026 03:51:46 GMT';
  const path = '/2023-03-30/functions/f/invocations';
  /** Signed with the key's secret, carrying `token` (signed, as every x-fc-* header is). */
  const signed = (key: AccessKey, token: string | undefined) => {
    const headers: Record<string, string> = { date, 'x-fc-account-id': '1' };
    if (token !== undefined) headers['x-fc-security-token'] = token;
    headers.authorization = fcAuthorization(
      { method: 'POST', path, headers },
      key.accessKeyId,
      key.accessKeySecret,
    );
    return { method: 'POST', path, headers };
  };

  it('requires exactly the STS key token', () => {
    expect(verifyFcRequest(signed(STS, STS.securityToken), lookup).ok).toBe(true);
    expect(verifyFcRequest(signed(STS, undefined), lookup)).toMatchObject({
      code: 'InvalidSecurityToken',
      reason: 'missing',
    });
    expect(verifyFcRequest(signed(STS, 'CAISother'), lookup)).toMatchObject({
      code: 'InvalidSecurityToken',
      reason: 'mismatch',
    });
  });

  it('refuses a token sent with a long-term key', () => {
    expect(verifyFcRequest(signed(LONG_TERM, 'CAISstray'), lookup)).toMatchObject({
      code: 'InvalidSecurityToken',
      reason: 'unexpected',
    });
  });

  it('parses only "FC <id>:<signature>"', () => {
    expect(parseFcAuthorization('FC LTAI5t:abc=')).toEqual({ accessKeyId: 'LTAI5t', signature: 'abc=' });
    expect(parseFcAuthorization('MNS LTAI5t:abc=')).toBeUndefined();
  });
});
