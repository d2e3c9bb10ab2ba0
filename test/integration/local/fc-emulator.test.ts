import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FcApiError } from '../../../local/fc-emulator/index.js';
import {
  ACCOUNT_ID,
  type FcSandbox,
  fc3Client,
  fcClient,
  fixtureFunction,
  invoke2,
  invoke3,
  invoke3WithFc2,
  rawAcs3Request,
  rawFcRequest,
  receiveAll,
  rejection,
  startFcSandbox,
  waitFor,
} from './fc-emulator-support.js';

const ECHO = fixtureFunction('echo', { environment: { CUSTOM_A: 'from s.yaml' } });
const SCRIPTED = fixtureFunction('scripted', { timeoutSeconds: 0.3 });
const SLOW = fixtureFunction('scripted', { functionName: 'slow' });
const BROKEN = fixtureFunction('broken');
const CALLBACK = fixtureFunction('callback');

let s: FcSandbox;
beforeAll(async () => {
  s = await startFcSandbox([ECHO, SCRIPTED, SLOW, BROKEN, CALLBACK], { maxInstancesPerFunction: 3 });
});
afterAll(async () => {
  await s?.close();
});

const requestIdOf = (headers: Record<string, unknown>) => String(headers['x-fc-request-id']);
const recordsOf = (requestId: string) => s.fc.invocations.filter((r) => r.requestId === requestId);

describe('sync invocations through @alicloud/fc20230330 and @alicloud/fc2', () => {
  it('FC 3.0 path: answers the function result as JSON, with the request id', async () => {
    const { headers, data } = await invoke3(s.client, 'scripted', '{"result":{"x":1}}');
    expect(headers['content-type']).toBe('application/json');
    expect(requestIdOf(headers)).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(data).toMatchObject({ result: { x: 1 } });
    expect(recordsOf(requestIdOf(headers))).toEqual([
      expect.objectContaining({ function: 'scripted', async: false, attempt: 1, outcome: 'ok' }),
    ]);
  });

  it('2016-08-15 path: any service name (and a qualifier) reaches the function by name', async () => {
    const plain = await invoke2(s.fc2, 'any-service', 'scripted', '{"result":2}');
    const qualified = await invoke2(s.fc2, 'other', 'scripted', Buffer.from('{"result":3}'), {}, 'LATEST');
    expect(plain.data).toMatchObject({ result: 2 });
    expect(qualified.data).toMatchObject({ result: 3 });
  });

  it('returns a string as text, a Buffer as is, and nothing as an empty body', async () => {
    const text = await invoke3(s.client, 'scripted', '{"resultKind":"string","result":"hello"}');
    expect(text.data).toBe('hello');
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    const bytes = await invoke3(s.client, 'scripted', '{"resultKind":"buffer","result":"raw"}');
    expect(bytes.bytes.toString()).toBe('raw');
    expect(bytes.headers['content-type']).toBe('application/octet-stream');
    expect((await invoke3(s.client, 'scripted', '{"resultKind":"none"}')).data).toBe('');
  });

  it("a function error answers 200 with x-fc-error-type and FC's error body (the SDK does not throw)", async () => {
    const { status, headers, data } = await invoke3(s.client, 'scripted', '{"throw":"boom"}');
    expect(status).toBe(200);
    expect(headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(data).toEqual({ errorMessage: 'boom', errorType: 'TypeError', stackTrace: expect.any(Array) });
    expect((data as { stackTrace: string[] }).stackTrace[0]).toContain('scripted/index.mjs');
    expect(recordsOf(requestIdOf(headers))[0]).toMatchObject({
      outcome: 'error',
      errorType: 'TypeError',
      errorMessage: 'boom',
    });
  });

  it('a module that fails to load fails every invocation on its instance with an init error', async () => {
    for (let i = 0; i < 2; i++) {
      const { headers, data } = await invoke3(s.client, 'broken', '{}');
      expect(headers['x-fc-error-type']).toBe('UnhandledInvocationError');
      expect(data).toMatchObject({
        errorType: 'InitializationError',
        errorMessage: 'RangeError: DEAD_LETTER_QUEUE is required',
      });
    }
    expect(s.fc.coldStarts('broken')).toBe(1);
  });

  it('runs callback-style handlers', async () => {
    const { headers, data } = await invoke3(s.client, 'callback', '');
    expect(data).toEqual({ style: 'callback', requestId: requestIdOf(headers) });
  });
});

describe('async invocations', () => {
  it('answers 202 with x-fc-request-id at once, then runs the invocation', async () => {
    const { status, headers, data } = await invoke3(s.client, 'scripted', '{"result":"later"}', {
      'x-fc-invocation-type': 'Async',
    });
    expect(status).toBe(202);
    expect(data).toBe('');
    const requestId = requestIdOf(headers);
    expect(requestId).toMatch(/^1-/);
    await s.fc.settled(5000);
    expect(recordsOf(requestId)).toEqual([
      expect.objectContaining({ function: 'scripted', async: true, attempt: 1, outcome: 'ok' }),
    ]);
    expect(s.fc.asyncRequests.find((r) => r.requestId === requestId)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
  });

  it('queues through invokeFunction on the 2016-08-15 path too', async () => {
    const { headers } = await invoke2(s.fc2, 'svc', 'scripted', '{}', {
      'X-Fc-Invocation-Type': 'Async',
    });
    await s.fc.settled(5000);
    expect(recordsOf(requestIdOf(headers))).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('stops a function that outlives its timeout: the worker is killed and a new instance serves the next call', async () => {
    // Answered as a timeout at 0.3 s: had it run its second out, it would have answered without the error.
    const started = Date.now();
    const slow = await invoke3(s.client, 'scripted', '{"sleepMs":1000}');
    expect(slow.headers['x-fc-error-type']).toBe('FunctionTimeoutError');
    expect(slow.data).toMatchObject({
      errorType: 'FunctionTimeoutError',
      errorMessage: expect.stringMatching(/timed out after 0.3 seconds/),
    });
    const [timedOut] = recordsOf(requestIdOf(slow.headers));
    expect(timedOut).toMatchObject({ outcome: 'timeout', errorType: 'FunctionTimeoutError' });

    const next = await invoke3(s.client, 'scripted', '{}');
    const [served] = recordsOf(requestIdOf(next.headers));
    expect(served).toMatchObject({ outcome: 'ok', coldStart: true });
    expect(served?.instanceId).not.toBe(timedOut?.instanceId);
    expect(next.data).toMatchObject({ invocations: 1 });

    // Had the worker lived on, it would have logged this when its sleep ended.
    await new Promise((r) => setTimeout(r, Math.max(0, 1100 - (Date.now() - started))));
    expect(s.logs.some((l) => l.requestId === requestIdOf(slow.headers) && l.line.includes('woke'))).toBe(
      false,
    );
  });

  it('also stops CPU-bound code', async () => {
    const coldStarts = s.fc.coldStarts('scripted');
    const spin = await invoke3(s.client, 'scripted', '{"spin":true}');
    expect(spin.headers['x-fc-error-type']).toBe('FunctionTimeoutError');
    const next = await invoke3(s.client, 'scripted', '{"result":"after spin"}');
    expect(next.data).toMatchObject({ result: 'after spin', invocations: 1 });
    expect(s.fc.coldStarts('scripted')).toBe(coldStarts + 1);
  });

  it('an instance whose process exits fails the invocation and is replaced', async () => {
    const exit = await invoke3(s.client, 'scripted', '{"exit":3}');
    expect(exit.data).toMatchObject({
      errorType: 'ProcessExitedError',
      errorMessage: expect.stringContaining('code 3'),
    });
    expect((await invoke3(s.client, 'scripted', '{}')).data).toMatchObject({ invocations: 1 });
  });
});

describe('instances and concurrency', () => {
  it('N simultaneous sync calls use N instances up to maxInstancesPerFunction; the rest wait', async () => {
    const calls = Array.from({ length: 5 }, () => invoke3(s.client, 'slow', '{"sleepMs":250}'));
    const answers = await Promise.all(calls);
    const instances = new Set(answers.map((a) => (a.data as { instance: string }).instance));
    expect(instances.size).toBe(3);
    expect(s.fc.coldStarts('slow')).toBe(3);
    const records = answers.flatMap((a) => recordsOf(requestIdOf(a.headers)));
    expect(records.filter((r) => r.coldStart)).toHaveLength(3);
    // At no moment did more than 3 run at once.
    const edges = records.flatMap((r) => [
      [r.startedAt, 1],
      [r.startedAt + r.durationMs, -1],
    ]);
    edges.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0));
    let running = 0;
    let peak = 0;
    for (const [, delta] of edges) {
      running += delta ?? 0;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(3);
  });

  it('loads the module once per instance (the cold start) and reuses it warm', async () => {
    const first = await invoke3(s.client, 'echo', '{}');
    const second = await invoke3(s.client, 'echo', '{}');
    const a = first.data as { loads: number; invocations: number; loadedAt: number };
    const b = second.data as { loads: number; invocations: number; loadedAt: number };
    expect([a.loads, b.loads]).toEqual([1, 1]);
    expect(b.invocations).toBe(a.invocations + 1);
    expect(b.loadedAt).toBe(a.loadedAt);
    expect(recordsOf(requestIdOf(second.headers))[0]?.coldStart).toBe(false);
  });
});

describe('what the function sees', () => {
  it("gets the event as a Buffer, FC's context, and FC's environment with STS keys the emulators accept", async () => {
    const { headers, data } = await invoke3(s.client, 'echo', '{"sendTo":"probe"}');
    const requestId = requestIdOf(headers);
    const seen = data as {
      event: string;
      isBuffer: boolean;
      hasLogger: boolean;
      context: Record<string, unknown> & { credentials: Record<string, string> };
      env: Record<string, string>;
      envKeys: string[];
      sent: number;
    };
    expect(seen.event).toBe('{"sendTo":"probe"}');
    expect(seen.isBuffer).toBe(true);
    expect(seen.hasLogger).toBe(true);
    expect(seen.context).toEqual({
      requestId,
      credentials: {
        accessKeyId: expect.stringMatching(/^STS\./),
        accessKeySecret: expect.any(String),
        securityToken: expect.any(String),
      },
      function: { name: 'echo', handler: 'index.handler', memory: 128, timeout: 5 },
      service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region: 'cn-hangzhou',
      accountId: ACCOUNT_ID,
    });
    const keys = seen.context.credentials;
    expect(s.credentials.get(keys.accessKeyId ?? '')).toEqual(keys);
    expect(seen.env).toMatchObject({
      FC_FUNCTION_NAME: 'echo',
      FC_FUNCTION_HANDLER: 'index.handler',
      FC_FUNCTION_MEMORY_SIZE: '128',
      FC_REGION: 'cn-hangzhou',
      FC_ACCOUNT_ID: ACCOUNT_ID,
      FC_FUNC_CODE_PATH: ECHO.codeDir,
      FC_INSTANCE_ID: expect.stringMatching(/^c-/),
      ALIBABA_CLOUD_ACCESS_KEY_ID: keys.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: keys.securityToken,
      CUSTOM_A: 'from s.yaml',
      MNS_ENDPOINT: s.mns.url,
    });
    // Only FC's variables, the function's, the overrides and PATH: nothing of the test process leaks in.
    expect(seen.envKeys.filter((k) => !/^(FC_|ALIBABA_CLOUD_)/.test(k))).toEqual([
      'CUSTOM_A',
      'MNS_ENDPOINT',
      'PATH',
    ]);
    // The function sent a message with those STS keys, and the MNS emulator took it.
    expect(seen.sent).toBe(201);
    expect(await receiveAll(s.mnsClient, 'probe')).toEqual([`from ${requestId}`]);
  });

  it('hands every line the function writes to the log, tagged with the request id', async () => {
    const { headers } = await invoke3(s.client, 'echo', '{}');
    const requestId = requestIdOf(headers);
    const lines = s.logs.filter((l) => l.requestId === requestId && l.functionName === 'echo');
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ['stdout', `console line ${requestId}`],
      ['stdout', expect.stringMatching(new RegExp(`^\\S+Z ${requestId} \\[INFO\\] logger line$`))],
      ['stdout', 'partial line'],
      ['stdout', `writeSync line ${requestId}`],
      ['stderr', 'stderr line'],
    ]);
  });
});

describe('FC 3.0 API (2023-03-30): ACS3 signatures, errors as {Code, Message, RequestId}', () => {
  const fn = '/2023-03-30/functions/scripted/invocations';
  /** What the SDK throws for an FC error answer: its code, status and the parsed body. */
  const sdkError = (code: string, statusCode: number) => ({
    name: 'ClientError',
    code,
    statusCode,
    data: { Code: code, Message: expect.any(String), RequestId: expect.stringMatching(/^1-/) },
  });

  it('answers a request the official SDK signed, with a qualifier in the query', async () => {
    const answer = await invoke3(s.client, 'scripted', '{"result":"acs3"}', {}, 'LATEST');
    expect(answer).toMatchObject({ status: 200, data: { result: 'acs3' } });
    const sts = s.credentials.issueSts();
    expect((await invoke3(fc3Client(s.fc.url, sts), 'scripted', '{"result":"sts"}')).data).toMatchObject({
      result: 'sts',
    });
  });

  it('refuses an unknown AccessKey, a wrong secret and a wrong STS token as the SDK reads them', async () => {
    const unknown = await rejection(
      invoke3(fc3Client(s.fc.url, { accessKeyId: 'LTAI5tNobody', accessKeySecret: 'x' }), 'scripted', '{}'),
    );
    expect(unknown).toMatchObject(sdkError('InvalidAccessKeyID', 403));
    const forged = await rejection(
      invoke3(fc3Client(s.fc.url, { ...s.key, accessKeySecret: 'guess' }), 'scripted', '{}'),
    );
    expect(forged).toMatchObject(sdkError('SignatureNotMatch', 403));
    expect(forged.data?.Message).toContain('StringToSign');
    const sts = s.credentials.issueSts();
    const wrongToken = await rejection(
      invoke3(fc3Client(s.fc.url, sts, { securityToken: 'CAISwrong' }), 'scripted', '{}'),
    );
    expect(wrongToken).toMatchObject(sdkError('InvalidSecurityToken', 403));
  });

  it('reads an unknown function as FunctionNotFound (404), with the request id the SDK surfaces', async () => {
    const missing = await rejection(invoke3(s.client, 'nope', '{}'));
    expect(missing).toMatchObject(sdkError('FunctionNotFound', 404));
    expect((missing as { requestId?: string }).requestId).toBe(missing.data?.RequestId);
  });

  it('refuses what ACS3 does not allow, each with its status and code', async () => {
    const sts = s.credentials.issueSts();
    const reused = `nonce-${Date.now()}`;
    expect((await rawAcs3Request(s.fc.url, { path: fn, key: s.key, nonce: reused })).status).toBe(200);
    const cases: Array<[string, Parameters<typeof rawAcs3Request>[1], number, string]> = [
      [
        'tampered body',
        { path: fn, key: s.key, body: '{"a":1}', sendBody: '{"a":2}' },
        403,
        'SignatureNotMatch',
      ],
      [
        'tampered query',
        { path: fn, query: 'qualifier=LATEST', sendQuery: 'qualifier=v2', key: s.key },
        403,
        'SignatureNotMatch',
      ],
      [
        'a signed header dropped',
        { path: fn, key: s.key, drop: ['x-acs-content-sha256'] },
        403,
        'SignatureNotMatch',
      ],
      [
        'clock 20 min off',
        { path: fn, key: s.key, date: new Date(Date.now() - 20 * 60_000) },
        403,
        'RequestTimeTooSkewed',
      ],
      ['nonce reused', { path: fn, key: s.key, nonce: reused }, 403, 'SignatureNonceUsed'],
      [
        'STS key without its token',
        { path: fn, key: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret } },
        403,
        'InvalidSecurityToken',
      ],
      ['no such path', { path: '/2023-03-30/functions/scripted', key: s.key }, 400, 'PathNotSupported'],
      [
        'async event over 128 KB',
        {
          path: fn,
          key: s.key,
          body: 'x'.repeat(128 * 1024 + 1),
          headers: { 'x-fc-invocation-type': 'Async' },
        },
        400,
        'EntityTooLarge',
      ],
      [
        'bad invocation type',
        { path: fn, key: s.key, headers: { 'x-fc-invocation-type': 'Later' } },
        400,
        'InvalidArgument',
      ],
    ];
    for (const [what, request, status, code] of cases) {
      const answer = await rawAcs3Request(s.fc.url, request);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect({ what, body: JSON.parse(answer.body) }).toEqual({
        what,
        body: { Code: code, Message: expect.any(String), RequestId: answer.headers['x-fc-request-id'] },
      });
    }
    // A signed query is verified as it arrived.
    const signedQuery = await rawAcs3Request(s.fc.url, { path: fn, query: 'qualifier=LATEST', key: s.key });
    expect(signedQuery.status).toBe(200);
    // An async event of exactly 128 KB is taken.
    const fits = await rawAcs3Request(s.fc.url, {
      path: fn,
      key: s.key,
      body: 'x'.repeat(128 * 1024),
      headers: { 'x-fc-invocation-type': 'Async' },
    });
    expect(fits.status).toBe(202);
    await s.fc.settled(5000);
  });

  it("still takes fc2's signature on the 2023-03-30 path (the fc3 component sends it), answering FC 3.0's error shape", async () => {
    expect((await invoke3WithFc2(s.fc2, 'scripted', '{"result":"fc2"}')).data).toMatchObject({
      result: 'fc2',
    });
    const answer = await rawFcRequest(s.fc.url, {
      path: '/2023-03-30/functions/nope/invocations',
      key: s.key,
    });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({
      Code: 'FunctionNotFound',
      Message: expect.any(String),
      RequestId: answer.headers['x-fc-request-id'],
    });
  });
});

describe('FC 2.0 API (2016-08-15): fc2 signatures, errors as {ErrorCode, ErrorMessage}', () => {
  const fn = '/2016-08-15/services/svc/functions/scripted/invocations';

  it('refuses an unknown AccessKey, a wrong secret and a wrong STS token, as fc2 reports them', async () => {
    const unknown = await rejection(
      invoke2(
        fcClient(s.fc.url, { accessKeyId: 'LTAI5tNobody', accessKeySecret: 'x' }),
        'svc',
        'scripted',
        '{}',
      ),
    );
    expect(unknown).toMatchObject({ name: 'FCInvalidAccessKeyIDError', code: 'InvalidAccessKeyID' });
    const forged = await rejection(
      invoke2(fcClient(s.fc.url, { ...s.key, accessKeySecret: 'guess' }), 'svc', 'scripted', '{}'),
    );
    expect(forged).toMatchObject({ code: 'SignatureNotMatch' });
    const sts = s.credentials.issueSts();
    expect(
      (await invoke2(fcClient(s.fc.url, sts), 'svc', 'scripted', '{"result":"sts"}')).data,
    ).toMatchObject({
      result: 'sts',
    });
    const wrongToken = await rejection(
      invoke2(fcClient(s.fc.url, sts, { securityToken: 'CAISwrong' }), 'svc', 'scripted', '{}'),
    );
    expect(wrongToken).toMatchObject({ code: 'InvalidSecurityToken' });
  });

  it('answers errors with their status, x-fc-request-id and {ErrorCode, ErrorMessage}', async () => {
    const sts = s.credentials.issueSts();
    const cases: Array<[Parameters<typeof rawFcRequest>[1], number, string]> = [
      [
        { path: fn, key: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret } },
        403,
        'InvalidSecurityToken',
      ],
      [{ path: fn, key: s.key, date: new Date(Date.now() - 20 * 60_000) }, 403, 'RequestTimeTooSkewed'],
      [{ path: fn, key: s.key, body: '{}', headers: { 'content-md5': 'ZmFrZQ==' } }, 400, 'InvalidArgument'],
      [{ path: '/2016-08-15/services/svc/functions/nope/invocations', key: s.key }, 404, 'FunctionNotFound'],
      [{ path: '/2016-08-15/services/svc/functions/scripted', key: s.key }, 400, 'PathNotSupported'],
      [{ path: fn, key: s.key, method: 'GET' }, 400, 'PathNotSupported'],
      [{ path: fn, key: s.key, headers: { 'x-fc-invocation-type': 'Later' } }, 400, 'InvalidArgument'],
    ];
    for (const [request, status, code] of cases) {
      const answer = await rawFcRequest(s.fc.url, request);
      expect({ status: answer.status, code: JSON.parse(answer.body).ErrorCode }).toEqual({ status, code });
      expect(answer.headers['x-fc-request-id']).toMatch(/^1-/);
      expect(JSON.parse(answer.body)).toEqual({ ErrorCode: code, ErrorMessage: expect.any(String) });
    }
    // Ten minutes off is within FC's 15.
    expect(
      (await rawFcRequest(s.fc.url, { path: fn, key: s.key, date: new Date(Date.now() - 10 * 60_000) }))
        .status,
    ).toBe(200);
  });

  it('fc2 reports an unknown function as FunctionNotFound', async () => {
    expect(await rejection(invoke2(s.fc2, 'svc', 'nope', '{}'))).toMatchObject({
      name: 'FCFunctionNotFoundError',
      code: 'FunctionNotFound',
    });
  });

  it('does not take an ACS3 signature on the 2016-08-15 path', async () => {
    const answer = await rawAcs3Request(s.fc.url, { path: fn, key: s.key });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ ErrorCode: 'MissingRequiredHeader' });
  });
});

describe('the call log', () => {
  it('records every call with its API version and signature scheme', async () => {
    const before = s.calls.records.length;
    await invoke3(s.client, 'scripted', '{}');
    await invoke2(s.fc2, 'svc', 'scripted', '{}');
    await rejection(invoke3(fc3Client(s.fc.url, { ...s.key, accessKeySecret: 'guess' }), 'scripted', '{}'));
    const added = s.calls.records.slice(before);
    expect(added).toEqual([
      expect.objectContaining({
        service: 'fc',
        action: 'InvokeFunction',
        status: 200,
        accessKeyId: s.key.accessKeyId,
        params: {
          function: 'scripted',
          invocationType: 'Sync',
          apiVersion: '2023-03-30',
          signature: 'ACS3-HMAC-SHA256',
        },
      }),
      expect.objectContaining({
        status: 200,
        params: { function: 'scripted', invocationType: 'Sync', apiVersion: '2016-08-15', signature: 'FC' },
      }),
      expect.objectContaining({
        service: 'fc',
        action: 'InvokeFunction',
        status: 403,
        code: 'SignatureNotMatch',
        accessKeyId: s.key.accessKeyId,
      }),
    ]);
  });
});

describe('in-process invoke', () => {
  it('takes the same path as HTTP', async () => {
    const ok = await s.fc.invoke('scripted', Buffer.from('{"result":"direct"}'));
    expect(ok).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(ok.body.toString())).toMatchObject({ result: 'direct' });
    const failed = await s.fc.invoke('scripted', Buffer.from('{"throw":"direct"}'));
    expect(failed).toMatchObject({ status: 200, errorType: 'UnhandledInvocationError' });
    const queued = await s.fc.invoke('scripted', Buffer.from('{}'), { async: true });
    expect(queued).toMatchObject({ status: 202 });
    await waitFor(() => recordsOf(queued.requestId).length === 1);
    const missing = await rejection(s.fc.invoke('nope', Buffer.from('')));
    expect(missing).toBeInstanceOf(FcApiError);
    expect(missing).toMatchObject({ code: 'FunctionNotFound', status: 404 });
  });
});
