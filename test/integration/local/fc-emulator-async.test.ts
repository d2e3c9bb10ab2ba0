import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMnsArn } from '../../../local/deployment/mns-arn.js';
import { retryDelayMs } from '../../../local/fc-emulator/index.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import {
  ACCOUNT_ID,
  DLQ,
  type FcSandbox,
  fixtureFunction,
  invoke3,
  receiveAll,
  startFcSandbox,
} from './fc-emulator-support.js';

const queueArn = (name: string) => parseMnsArn(`acs:mns:cn-hangzhou:${ACCOUNT_ID}:/queues/${name}/messages`);

/** A CloudEvent naming an instance, plus the field that makes `scripted` throw. */
const STATE_EVENT = JSON.stringify({
  ...JSON.parse(
    readFileSync(new URL('../../fixtures/events/eb-instance-state-pending.json', import.meta.url), 'utf8'),
  ),
  throw: 'attach failed',
});

const FAILING = fixtureFunction('scripted', {
  functionName: 'failing',
  asyncInvoke: { maxRetryAttempts: 3, onFailure: queueArn(DLQ) },
});
const HANGING = fixtureFunction('scripted', {
  functionName: 'hanging',
  timeoutSeconds: 0.2,
  asyncInvoke: { maxRetryAttempts: 1, onFailure: queueArn('timeouts') },
});
// 1 s of event age, × timeScale 0.01 = 10 ms: gone long before the first retry of a 50 ms try.
const AGING = fixtureFunction('scripted', {
  functionName: 'aging',
  asyncInvoke: { maxRetryAttempts: 3, maxEventAgeSeconds: 1, onFailure: queueArn('aged') },
});
const FINE = fixtureFunction('scripted', {
  functionName: 'fine',
  asyncInvoke: { onFailure: queueArn('fine') },
});
const NOWHERE = fixtureFunction('scripted', {
  functionName: 'nowhere',
  asyncInvoke: { maxRetryAttempts: 0, onFailure: queueArn('missing-queue') },
});

let s: FcSandbox;
beforeAll(async () => {
  s = await startFcSandbox([FAILING, HANGING, AGING, FINE, NOWHERE]);
  for (const queue of ['timeouts', 'aged', 'fine']) s.mns.createQueue(queue);
});
afterAll(async () => {
  await s?.close();
});

async function invokeAsync(name: string, event: string): Promise<string> {
  const { headers } = await invoke3(s.client, name, event, { 'x-fc-invocation-type': 'Async' });
  return String(headers['x-fc-request-id']);
}

const attemptsOf = (requestId: string) => s.fc.invocations.filter((r) => r.requestId === requestId);
const asyncRecord = (requestId: string) => s.fc.asyncRequests.find((r) => r.requestId === requestId);

describe('async retries and the onFailure destination', () => {
  it("retries maxRetryAttempts times with growing delays, then sends FC's failure record to the MNS queue", async () => {
    const requestId = await invokeAsync('failing', STATE_EVENT);
    await s.fc.settled(5000);

    const attempts = attemptsOf(requestId);
    expect(attempts.map((a) => [a.attempt, a.async, a.outcome, a.errorType])).toEqual([
      [1, true, 'error', 'TypeError'],
      [2, true, 'error', 'TypeError'],
      [3, true, 'error', 'TypeError'],
      [4, true, 'error', 'TypeError'],
    ]);
    // Each retry waited at least its (scaled) backoff after the previous try ended: 5, 10, 20 ms.
    for (let i = 1; i < attempts.length; i++) {
      const previous = attempts[i - 1];
      const current = attempts[i];
      if (!previous || !current) throw new Error('missing attempt');
      const gap = current.startedAt - (previous.startedAt + previous.durationMs);
      expect(gap).toBeGreaterThanOrEqual(Math.floor(retryDelayMs(i, 0.01)) - 1);
    }
    expect(asyncRecord(requestId)).toMatchObject({ status: 'failed', attempts: 4, destination: 'sent' });

    const bodies = await receiveAll(s.mnsClient, DLQ);
    expect(bodies).toHaveLength(1);
    const record = JSON.parse(bodies[0] ?? '');
    expect(Object.keys(record).sort()).toEqual([
      'requestContext',
      'requestPayload',
      'responseContext',
      'responsePayload',
      'timestamp',
    ]);
    expect(record).toEqual({
      timestamp: expect.any(Number),
      requestContext: {
        requestId,
        functionArn: `acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/failing`,
        condition: 'UnhandledInvocationError',
        approximateInvokeCount: 4,
      },
      requestPayload: STATE_EVENT,
      responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
      responsePayload: expect.any(String),
    });
    expect(JSON.parse(record.responsePayload)).toEqual({
      errorMessage: 'attach failed',
      errorType: 'TypeError',
      stackTrace: expect.any(Array),
    });
    // The attach-role function's decoder reads the original event out of it.
    const decoded = decodeEvent(Buffer.from(bodies[0] ?? ''), { defaultRegionId: 'cn-hangzhou' });
    expect(decoded.poison).toEqual([]);
    expect(decoded.refs.map((r) => r.instanceId)).toEqual(['i-bp1pay00000000000002']);
  });

  it('a timed-out try is a failure too: its record says FunctionTimeoutError', async () => {
    const requestId = await invokeAsync('hanging', '{"sleepMs":1000}');
    await s.fc.settled(5000);
    expect(attemptsOf(requestId).map((a) => a.outcome)).toEqual(['timeout', 'timeout']);
    const [body] = await receiveAll(s.mnsClient, 'timeouts');
    expect(JSON.parse(body ?? '')).toMatchObject({
      requestContext: { requestId, condition: 'FunctionTimeoutError', approximateInvokeCount: 2 },
      requestPayload: '{"sleepMs":1000}',
      responseContext: { statusCode: 200, functionError: 'FunctionTimeoutError' },
    });
  });

  it('drops an event that would be retried past maxEventAgeSeconds (× timeScale) instead of retrying it', async () => {
    const requestId = await invokeAsync('aging', '{"sleepMs":50,"throw":"too old"}');
    await s.fc.settled(5000);
    expect(attemptsOf(requestId)).toHaveLength(1);
    expect(asyncRecord(requestId)).toMatchObject({ status: 'expired', attempts: 1 });
    expect(asyncRecord(requestId)?.destination).toBeUndefined();
    expect(await receiveAll(s.mnsClient, 'aged')).toEqual([]);
    expect(
      s.logs.some((l) => l.requestId === requestId && l.stream === 'emulator' && /dropped/.test(l.line)),
    ).toBe(true);
  });

  it('a successful invocation is not retried and sends nothing', async () => {
    const requestId = await invokeAsync('fine', '{}');
    await s.fc.settled(5000);
    expect(attemptsOf(requestId)).toHaveLength(1);
    expect(asyncRecord(requestId)).toMatchObject({ status: 'succeeded' });
    expect(await receiveAll(s.mnsClient, 'fine')).toEqual([]);
  });

  it('retries a destination write that fails, then logs that the record was lost', async () => {
    const requestId = await invokeAsync('nowhere', '{"throw":"x"}');
    await s.fc.settled(5000);
    expect(asyncRecord(requestId)).toMatchObject({ status: 'failed', attempts: 1, destination: 'failed' });
    const writes = s.logs.filter((l) => l.requestId === requestId && /write \d\/3 failed/.test(l.line));
    expect(writes.map((l) => l.line.match(/write (\d)\/3/)?.[1])).toEqual(['1', '2', '3']);
    expect(writes[0]?.line).toContain('QueueNotExist');
  });
});

describe('base64 record bodies', () => {
  let b: FcSandbox;
  beforeAll(async () => {
    b = await startFcSandbox([{ ...FAILING, asyncInvoke: { ...FAILING.asyncInvoke, maxRetryAttempts: 0 } }], {
      destinationBodyEncoding: 'base64',
    });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('sends base64 of the same JSON when asked', async () => {
    await b.fc.invoke('failing', Buffer.from(STATE_EVENT), { async: true });
    await b.fc.settled(5000);
    const [body] = await receiveAll(b.mnsClient, DLQ);
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const record = JSON.parse(Buffer.from(body ?? '', 'base64').toString('utf8'));
    expect(record).toMatchObject({
      requestPayload: STATE_EVENT,
      requestContext: { approximateInvokeCount: 1 },
    });
    // What an MNS event source with Base64 decoding hands the function.
    const decoded = decodeEvent(Buffer.from(body ?? '', 'base64'), { defaultRegionId: 'cn-hangzhou' });
    expect(decoded.refs.map((r) => r.instanceId)).toEqual(['i-bp1pay00000000000002']);
  });
});

describe('close()', () => {
  it('ends pending retries and their timers at once', async () => {
    const c = await startFcSandbox([FAILING], { timeScale: 1 });
    try {
      const queued = await c.fc.invoke('failing', Buffer.from('{"throw":"x"}'), { async: true });
      const deadline = Date.now() + 3000;
      while (!c.fc.invocations.some((r) => r.requestId === queued.requestId) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      // Now waiting 500 ms for the first retry.
      await c.close();
      // Settled at once: the 500 ms retry timer was cancelled, not left to run out.
      await c.fc.settled(100);
      expect(c.fc.asyncRequests[0]).toMatchObject({ status: 'cancelled', attempts: 1 });
      await expect(c.fc.invoke('failing', Buffer.from('{}'))).rejects.toThrow(/closed/);
    } finally {
      await c.close();
    }
  });
});
