import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import GeneratedFc from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { startEventBridge } from '../../../local/eventbridge-emulator/index.js';
import { type RunningServer, startHttpServer } from '../../../local/http/http-server.js';
import { headerMapFromRaw, verifyAcs3 } from '../../../local/signature/acs3.js';
import { createFcInvoker, fcEndpoint } from '../../../shared/fc/fc-invoker.js';
import {
  FcSdkClient,
  InvokeFunctionHeaders,
  InvokeFunctionRequest,
} from '../../../shared/fc/fc-sdk-client.js';
import type { FunctionInvoker } from '../../../shared/fc/function-invoker.js';
import { createFc2Invoker } from '../../../tools/fc/fc2-invoker.js';

// The two FunctionInvokers, each against a capture server standing in for FC that checks the request the SDK
// sends (path, invocation type, body, signature) and answers what a test scripts: the FC 3.0 one over
// @alicloud/fc20230330 (what EventBridge, redrive and the sandbox use) and the FC 2.0 one over @alicloud/fc2.

const ACCOUNT_ID = '1234567890123456';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

let server: RunningServer;
let captured: Captured[] = [];
let answer: (req: Captured) => { status: number; headers?: Record<string, string>; body?: string } = () => ({
  status: 202,
  headers: { 'x-fc-request-id': 'req-1' },
});

beforeAll(async () => {
  server = await startHttpServer((req, res, body) => {
    const request = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
    };
    captured.push(request);
    const reply = answer(request);
    res.writeHead(reply.status, reply.headers ?? {});
    res.end(reply.body ?? '');
  });
});
afterAll(() => server.close());
beforeEach(() => {
  captured = [];
});

type Keys = { accessKeyId: string; accessKeySecret: string; securityToken?: string };

const fc3 = (keys: Keys = key, endpoint = server.url): FunctionInvoker =>
  createFcInvoker({
    endpoint,
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    credential: keys,
    timeoutMs: 5000,
  });

const fc2 = (keys: Keys = key, endpoint = server.url, qualifier?: string): FunctionInvoker =>
  createFc2Invoker({
    endpoint,
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    credentials: keys,
    serviceName: 'ram-svc',
    ...(qualifier === undefined ? {} : { qualifier }),
    timeoutMs: 5000,
  });

function only(): Captured {
  expect(captured).toHaveLength(1);
  const [request] = captured;
  if (request === undefined) throw new Error('no request captured');
  return request;
}

/** The project's ACS3 verifier (written from sdk-wire §3.3, not from the SDK) over the captured request. */
function acs3Verdict(request: Captured, secret: string) {
  const q = request.url.indexOf('?');
  return verifyAcs3(
    {
      method: request.method,
      path: q === -1 ? request.url : request.url.slice(0, q),
      rawQuery: q === -1 ? '' : request.url.slice(q + 1),
      headers: headerMapFromRaw(request.rawHeaders),
      body: request.body,
    },
    () => secret,
  );
}

/** FC's own signature (sdk-wire.md §5.3), recomputed independently of the SDK. */
function fcAuthorization(request: Captured, secret: string, accessKeyId: string): string {
  const h = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  };
  const fcHeaders = Object.keys(request.headers)
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${h(name)}\n`)
    .join('');
  const stringToSign = `${request.method}\n${h('content-md5')}\n${h('content-type')}\n${h('date')}\n${fcHeaders}${request.url}`;
  return `FC ${accessKeyId}:${createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64')}`;
}

describe('FC 3.0 invoker (@alicloud/fc20230330)', () => {
  it('POSTs the payload to the 2023-03-30 invocations path, Async, ACS3-signed over the body', async () => {
    const payload = Buffer.from('{"id":"e-1","type":"ecs:Instance:StateChange"}');
    answer = () => ({ status: 202, headers: { 'x-fc-request-id': 'req-async' } });
    expect(await fc3().invoke('ecs-ram-role-attacher', payload, { async: true })).toEqual({
      ok: true,
      status: 202,
      requestId: 'req-async',
    });
    const request = only();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/2023-03-30/functions/ecs-ram-role-attacher/invocations');
    expect(request.headers).toMatchObject({
      host: server.host,
      'x-fc-invocation-type': 'Async',
      'x-acs-version': '2023-03-30',
      'x-acs-action': 'InvokeFunction',
      'content-type': 'application/octet-stream',
      'x-acs-content-sha256': createHash('sha256').update(payload).digest('hex'),
    });
    expect(request.body.equals(payload)).toBe(true);
    expect(request.headers.authorization).toMatch(
      new RegExp(`^ACS3-HMAC-SHA256 Credential=${key.accessKeyId},`),
    );
    expect(acs3Verdict(request, key.accessKeySecret)).toMatchObject({
      ok: true,
      accessKeyId: key.accessKeyId,
    });
    expect(acs3Verdict(request, 'another-secret')).toMatchObject({ ok: false, reason: 'signature-mismatch' });
    expect(request.headers['x-acs-security-token']).toBeUndefined();
  });

  it('sends and signs the STS token with STS credentials', async () => {
    answer = () => ({ status: 202 });
    await fc3(sts).invoke('fn', Buffer.from('{}'), { async: true });
    const request = only();
    expect(request.headers['x-acs-security-token']).toBe(sts.securityToken);
    expect(acs3Verdict(request, sts.accessKeySecret)).toMatchObject({
      ok: true,
      signedHeaders: expect.arrayContaining(['x-acs-security-token']),
    });
  });

  it('invokes Sync and reports a function error (200 with x-fc-error-type) as a failure with its body', async () => {
    answer = () => ({
      status: 200,
      headers: {
        'x-fc-request-id': 'req-sync',
        'x-fc-error-type': 'UnhandledInvocationError',
        'content-type': 'application/json',
      },
      body: '{"errorMessage":"boom","errorType":"Error"}',
    });
    expect(await fc3().invoke('fn', Buffer.from('[]'), { async: false })).toEqual({
      ok: false,
      status: 200,
      errorType: 'UnhandledInvocationError',
      requestId: 'req-sync',
      body: { errorMessage: 'boom', errorType: 'Error' },
    });
    expect(only().headers['x-fc-invocation-type']).toBe('Sync');
  });

  it('returns a sync result as JSON when FC says JSON, else as text', async () => {
    answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"counts":{}}' });
    expect((await fc3().invoke('fn', Buffer.from('{}'), { async: false })).body).toEqual({ counts: {} });
    answer = () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect((await fc3().invoke('fn', Buffer.from('{}'), { async: false })).body).toBe('hello');
  });

  it("reports FC's {Code, Message, RequestId} answers by code, status and class, and an unreachable FC too", async () => {
    const fcError = (status: number, code: string) => () => ({
      status,
      headers: { 'content-type': 'application/json', 'x-fc-request-id': `req-${status}` },
      body: JSON.stringify({ Code: code, Message: 'no', RequestId: `req-${status}` }),
    });
    answer = fcError(429, 'ResourceExhausted');
    expect(await fc3().invoke('fn', Buffer.from('{}'), { async: true })).toMatchObject({
      ok: false,
      status: 429,
      errorType: 'ResourceExhausted',
      requestId: 'req-429',
      error: { code: 'ResourceExhausted', status: 429, errorClass: 'retryable' },
    });
    answer = fcError(404, 'FunctionNotFound');
    expect(await fc3().invoke('fn', Buffer.from('{}'), { async: true })).toMatchObject({
      ok: false,
      status: 404,
      errorType: 'FunctionNotFound',
      error: { code: 'FunctionNotFound', errorClass: 'permanent' },
    });
    answer = fcError(503, 'ResourceThrottled');
    expect((await fc3().invoke('fn', Buffer.from('{}'), { async: true })).error).toMatchObject({
      errorClass: 'retryable',
    });
    const refused = await fc3(key, 'http://127.0.0.1:9').invoke('fn', Buffer.from('{}'), { async: true });
    expect(refused).toMatchObject({
      ok: false,
      errorType: 'NetworkError',
      error: { errorClass: 'retryable' },
    });
    expect(refused.status).toBeUndefined();
  });

  it('sends through its one-operation client exactly what the generated @alicloud/fc20230330 client sends', async () => {
    const config = () =>
      new $OpenApiUtil.Config({
        ...sts,
        endpoint: server.host,
        protocol: 'http',
        regionId: 'cn-hangzhou',
        connectTimeout: 5000,
        readTimeout: 5000,
      });
    const call = (client: Pick<FcSdkClient, 'invokeFunctionWithOptions'>) =>
      client.invokeFunctionWithOptions(
        'fn/with space',
        new InvokeFunctionRequest({ body: Readable.from(Buffer.from('{"a":1}')), qualifier: 'LATEST' }),
        new InvokeFunctionHeaders({ xFcInvocationType: 'Sync', xFcLogType: 'None', xFcAsyncTaskId: 't-1' }),
        new $dara.RuntimeOptions({}),
      );
    answer = () => ({ status: 200, headers: { 'x-fc-request-id': 'req-same' }, body: 'ok' });
    const ours = await call(new FcSdkClient(config()));
    const theirs = await call(new GeneratedFc.default(config()));
    const [a, b] = captured;
    if (a === undefined || b === undefined) throw new Error('expected two requests');
    // Everything but what is new per request (date, nonce) and what is derived from it (the signature).
    const varying = new Set(['x-acs-date', 'x-acs-signature-nonce', 'authorization']);
    const stable = (r: Captured) =>
      Object.fromEntries(Object.entries(r.headers).filter(([name]) => !varying.has(name)));
    expect(a.method).toBe(b.method);
    expect(a.url).toBe(b.url);
    expect(stable(a)).toEqual(stable(b));
    expect(a.body.equals(b.body)).toBe(true);
    expect(acs3Verdict(a, sts.accessKeySecret)).toMatchObject({ ok: true });
    expect({ status: ours.statusCode, headers: ours.headers }).toEqual({
      status: theirs.statusCode,
      headers: theirs.headers,
    });
  });

  it("defaults to the account's endpoint and refuses one it cannot use", () => {
    expect(fcEndpoint(ACCOUNT_ID, 'cn-shanghai')).toBe(`https://${ACCOUNT_ID}.cn-shanghai.fc.aliyuncs.com`);
    expect(() => fc3(key, 'ftp://fc.example/x')).toThrow(/FC endpoint: expected host\[:port\]/);
  });
});

describe('FC 2.0 invoker (@alicloud/fc2)', () => {
  it('POSTs to the 2016-08-15 path of its service (and qualifier), signed as FC signs', async () => {
    const payload = Buffer.from('{"id":"e-2"}');
    answer = () => ({ status: 202, headers: { 'x-fc-request-id': 'req-fc2' } });
    expect(await fc2(key, server.url, 'LATEST').invoke('worker', payload, { async: true })).toEqual({
      ok: true,
      requestId: 'req-fc2',
    });
    const request = only();
    expect(request.url).toBe('/2016-08-15/services/ram-svc.LATEST/functions/worker/invocations');
    expect(request.headers['x-fc-invocation-type']).toBe('Async');
    expect(request.body.equals(payload)).toBe(true);
    const md5 = Buffer.from(createHash('md5').update(payload).digest('hex')).toString('base64');
    expect(request.headers['content-md5']).toBe(md5);
    expect(request.headers.authorization).toBe(
      fcAuthorization(request, key.accessKeySecret, key.accessKeyId),
    );
  });

  it('sends the STS token with STS credentials (and signs it)', async () => {
    answer = () => ({ status: 202 });
    await fc2(sts).invoke('fn', Buffer.from('{}'), { async: true });
    const request = only();
    expect(request.headers['x-fc-security-token']).toBe(sts.securityToken);
    expect(request.headers.authorization).toBe(
      fcAuthorization(request, sts.accessKeySecret, sts.accessKeyId),
    );
  });

  it("reports FC 2.0's {ErrorCode, ErrorMessage} by code, with the status and request id fc2 puts in its message", async () => {
    answer = () => ({
      status: 429,
      headers: { 'content-type': 'application/json', 'x-fc-request-id': 'req-429' },
      body: '{"ErrorCode":"ResourceExhausted","ErrorMessage":"slow down"}',
    });
    expect(await fc2().invoke('fn', Buffer.from('{}'), { async: true })).toMatchObject({
      ok: false,
      status: 429,
      errorType: 'ResourceExhausted',
      requestId: 'req-429',
      error: { code: 'ResourceExhausted', status: 429 },
    });
    const refused = await fc2(key, 'http://127.0.0.1:9').invoke('fn', Buffer.from('{}'), { async: true });
    expect(refused).toMatchObject({ ok: false, errorType: 'NetworkError' });
  });
});

describe('EventBridge (direct shape) through each invoker', () => {
  const deployment = loadDeployment({
    accountId: ACCOUNT_ID,
    env: { DEPLOY_SHAPE: 'direct', FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT_ID}:role/ram-role-attacher` },
  });
  const functionName = deployment.functions[0]?.functionName;
  const event = {
    id: 'e-fc',
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    data: { resourceId: 'i-bp1pay00000000000002', state: 'Running' },
  };

  async function deliver(invoker: FunctionInvoker) {
    answer = () => ({ status: 202, headers: { 'x-fc-request-id': 'req-eb' } });
    const eb = await startEventBridge({
      deployment,
      invoker,
      mns: { endpoint: 'http://127.0.0.1:9', accountId: ACCOUNT_ID, credentials: sts },
    });
    try {
      eb.publish(event);
      eb.publish({ ...event, source: 'acs.oss' });
      eb.publish({ ...event, data: { ...event.data, state: 'Pending' } }); // routed by no rule
      await eb.drain();
      expect(eb.stats().rules['instance-running']).toMatchObject({ matched: 1, delivered: 1, failed: 0 });
    } finally {
      await eb.close();
    }
    return captured.map((r) => [r.url, r.headers['x-fc-invocation-type'], JSON.parse(r.body.toString())]);
  }

  it('invokes an FC 3.0 function Async on the 2023-03-30 path, ACS3-signed, with the event as the body', async () => {
    expect(await deliver(fc3(sts))).toEqual([
      [`/2023-03-30/functions/${functionName}/invocations`, 'Async', event],
    ]);
    expect(captured[0]?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 /);
  });

  it('invokes an FC 2.0 function Async on the 2016-08-15 path', async () => {
    expect(await deliver(fc2(sts))).toEqual([
      [`/2016-08-15/services/ram-svc/functions/${functionName}/invocations`, 'Async', event],
    ]);
    expect(captured[0]?.headers.authorization).toMatch(/^FC /);
  });
});
