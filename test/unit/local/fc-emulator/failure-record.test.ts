import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../../local/fc-emulator/async-invoker.js';
import {
  buildFailureRecord,
  encodeRecordBody,
  functionArn,
} from '../../../../local/fc-emulator/failure-record.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';

const identity = { accountId: '1234567890123456', region: 'cn-hangzhou' };
const event = Buffer.from(
  JSON.stringify({
    id: 'e-1',
    source: 'acs.ecs',
    specversion: '1.0',
    type: 'ecs:Instance:StateChange',
    data: { resourceId: 'i-bp1pay00000000000002', state: 'Pending' },
  }),
);

describe('retryDelayMs', () => {
  it('waits 0.5 s before the first retry and doubles after, times timeScale', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, 0.01))).toEqual([5, 10, 20]);
  });

  it('is capped at 5 minutes', () => {
    expect(retryDelayMs(20, 1)).toBe(300_000);
  });
});

describe('buildFailureRecord', () => {
  const record = buildFailureRecord({
    identity,
    functionName: 'attach-role',
    requestId: '1-abc',
    event,
    attempts: 4,
    failure: 'UnhandledInvocationError',
    errorPayload: '{"errorMessage":"x","errorType":"Error","stackTrace":[]}',
    at: 1795838400000,
  });

  it('has the shape of alibaba-cloud.md §1.1, payloads as JSON strings', () => {
    expect(record).toEqual({
      timestamp: 1795838400000,
      requestContext: {
        requestId: '1-abc',
        functionArn: 'acs:fc:cn-hangzhou:1234567890123456:functions/attach-role',
        condition: 'UnhandledInvocationError',
        approximateInvokeCount: 4,
      },
      requestPayload: event.toString(),
      responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
      responsePayload: '{"errorMessage":"x","errorType":"Error","stackTrace":[]}',
    });
    expect(functionArn(identity, 'f')).toBe('acs:fc:cn-hangzhou:1234567890123456:functions/f');
  });

  it('encodes as JSON text or base64 of it; the function decodes the original event out of either', () => {
    const json = encodeRecordBody(record, 'json');
    expect(JSON.parse(json)).toEqual(record);
    const base64 = encodeRecordBody(record, 'base64');
    expect(Buffer.from(base64, 'base64').toString()).toBe(json);
    const decoded = decodeEvent(Buffer.from(json), { defaultRegionId: 'cn-hangzhou' });
    expect(decoded.refs.map((r) => r.instanceId)).toEqual(['i-bp1pay00000000000002']);
  });
});
