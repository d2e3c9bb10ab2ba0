import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { loadDeployment } from '../../../local/deployment/deployment.js';
import { startEventBridge } from '../../../local/eventbridge-emulator/index.js';
import { type RunningServer, startHttpServer } from '../../../local/http/http-server.js';
import { createFc2Invoker } from '../../../tools/fc/fc2-invoker.js';

// The FunctionInvoker the EventBridge emulator uses in the sandbox: @alicloud/fc2 speaking FC 3.0. A capture
// server stands in for FC and checks the request the SDK sends: path, invocation type, body, signature.

const ACCOUNT_ID = '1234567890123456';
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
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
    const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
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

const invoker = (keys: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = key) =>
  createFc2Invoker({
    endpoint: server.url,
    accountId: ACCOUNT_ID,
    region: 'cn-hangzhou',
    credentials: keys,
    timeoutMs: 5000,
  });

/** FC's signature (sdk-wire.md §5.3), recomputed independently of the SDK. */
function expectedAuthorization(request: Captured, secret: string, accessKeyId: string): string {
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

describe('fc2 invoker', () => {
  it('POSTs the payload to the FC 3.0 invocations path, Async, signed', async () => {
    const payload = Buffer.from('{"id":"e-1","type":"ecs:Instance:StateChange"}');
    answer = () => ({ status: 202, headers: { 'x-fc-request-id': 'req-async' } });
    const result = await invoker().invoke('ecs-ram-role-attacher', payload, { async: true });

    expect(result).toEqual({ ok: true, requestId: 'req-async' });
    expect(captured).toHaveLength(1);
    const [request] = captured;
    if (request === undefined) throw new Error('no request captured');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/2023-03-30/functions/ecs-ram-role-attacher/invocations');
    expect(request.headers['x-fc-invocation-type']).toBe('Async');
    expect(request.headers['x-fc-account-id']).toBe(ACCOUNT_ID);
    expect(request.headers['content-type']).toBe('application/octet-stream');
    expect(request.body.equals(payload)).toBe(true);
    const md5 = Buffer.from(createHash('md5').update(payload).digest('hex')).toString('base64');
    expect(request.headers['content-md5']).toBe(md5);
    expect(request.headers.authorization).toMatch(new RegExp(`^FC ${key.accessKeyId}:[A-Za-z0-9+/]+=*$`));
    expect(request.headers.authorization).toBe(
      expectedAuthorization(request, key.accessKeySecret, key.accessKeyId),
    );
    expect(request.headers['x-fc-security-token']).toBeUndefined();
  });

  it('invokes Sync and reports a function error (200 with x-fc-error-type) as a failure', async () => {
    answer = () => ({
      status: 200,
      headers: {
        'x-fc-request-id': 'req-sync',
        'x-fc-error-type': 'UnhandledInvocationError',
        'content-type': 'application/json',
      },
      body: '{"errorMessage":"boom","errorType":"Error"}',
    });
    const result = await invoker().invoke('fn', Buffer.from('[]'), { async: false });
    expect(result).toEqual({
      ok: false,
      errorType: 'UnhandledInvocationError',
      requestId: 'req-sync',
      body: { errorMessage: 'boom', errorType: 'Error' },
    });
    expect(captured[0]?.headers['x-fc-invocation-type']).toBe('Sync');
  });

  it('reports an FC error answer by its ErrorCode, and an unreachable FC by the transport error', async () => {
    answer = () => ({
      status: 429,
      headers: { 'content-type': 'application/json', 'x-fc-request-id': 'req-429' },
      body: '{"ErrorCode":"ResourceThrottled","ErrorMessage":"slow down"}',
    });
    expect(await invoker().invoke('fn', Buffer.from('{}'), { async: true })).toEqual({
      ok: false,
      errorType: 'ResourceThrottled',
    });
    const unreachable = createFc2Invoker({
      endpoint: 'http://127.0.0.1:9',
      accountId: ACCOUNT_ID,
      region: 'cn-hangzhou',
      credentials: key,
      timeoutMs: 2000,
    });
    const refused = await unreachable.invoke('fn', Buffer.from('{}'), { async: true });
    expect(refused.ok).toBe(false);
    expect(refused.errorType).toMatch(/ECONNREFUSED|Error/);
  });

  it('sends the STS token with STS credentials (and signs it)', async () => {
    answer = () => ({ status: 202 });
    await invoker(sts).invoke('fn', Buffer.from('{}'), { async: true });
    const [request] = captured;
    if (request === undefined) throw new Error('no request captured');
    expect(request.headers['x-fc-security-token']).toBe(sts.securityToken);
    expect(request.headers.authorization).toBe(
      expectedAuthorization(request, sts.accessKeySecret, sts.accessKeyId),
    );
  });
});

describe('EventBridge (direct shape) through the fc2 invoker', () => {
  it('invokes the deployed function Async with the matching event as the body', async () => {
    answer = () => ({ status: 202, headers: { 'x-fc-request-id': 'req-eb' } });
    const deployment = loadDeployment({
      accountId: ACCOUNT_ID,
      env: { DEPLOY_SHAPE: 'direct', FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT_ID}:role/ram-role-attacher` },
    });
    const eb = await startEventBridge({
      deployment,
      invoker: invoker(sts),
      mns: { endpoint: 'http://127.0.0.1:9', accountId: ACCOUNT_ID, credentials: sts },
    });
    try {
      const event = {
        id: 'e-fc2',
        source: 'acs.ecs',
        specversion: '1.0',
        type: 'ecs:Instance:StateChange',
        data: { resourceId: 'i-bp1pay00000000000002', state: 'Running' },
      };
      eb.publish(event);
      eb.publish({ ...event, source: 'acs.oss' });
      eb.publish({ ...event, data: { ...event.data, state: 'Pending' } }); // routed by no rule
      await eb.drain();
      expect(
        captured.map((r) => [r.url, r.headers['x-fc-invocation-type'], JSON.parse(r.body.toString())]),
      ).toEqual([
        [`/2023-03-30/functions/${deployment.functions[0]?.functionName}/invocations`, 'Async', event],
      ]);
      expect(eb.stats().rules['instance-running']).toMatchObject({ matched: 1, delivered: 1, failed: 0 });
    } finally {
      await eb.close();
    }
  });
});
