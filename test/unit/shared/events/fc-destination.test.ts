import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupFailures } from '../../../../shared/alerts/group-failures.js';
import { readDeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import {
  destinationTime,
  parseFcFunctionArn,
  readFcDestinationRecord,
} from '../../../../shared/events/fc-destination.js';

// FC's onFailure record, in each documented variant (docs/cloud-facts.md FT-8 … FT-12): the function and its
// tools read all of them, and a missing or malformed field never throws.

const ACCOUNT = '1234567890123456';
const INSTANCE = 'i-bp1pay00000000000002';
const event = {
  id: '6f1c2a3b-0000-4000-8000-000000000001',
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  subject: `acs:ecs:cn-hangzhou:${ACCOUNT}:instance/${INSTANCE}`,
  time: '2026-11-29T04:00:00Z',
  aliyunaccountid: ACCOUNT,
  aliyunregionid: 'cn-hangzhou',
  data: { resourceId: INSTANCE, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
};

/** The FC 3.0 result-callback sample's shape: epoch-ms timestamp, `acs:fc:<region>:<account>:functions/<name>`. */
const fc3Record = {
  timestamp: 1795924800000,
  requestContext: {
    requestId: 'req-1',
    functionArn: `acs:fc:cn-hangzhou:${ACCOUNT}:functions/ecs-ram-role-attacher`,
    condition: 'UnhandledInvocationError',
    approximateInvokeCount: 4,
  },
  requestPayload: JSON.stringify(event),
  responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
  responsePayload:
    '{"errorMessage":"dead-letter queue unavailable","errorType":"DeadLetterUnavailableError"}',
};

describe('destination record fields', () => {
  it('timestamp: epoch milliseconds, a digit string or an ISO string give the same instant', () => {
    const iso = '2026-11-29T04:00:00.000Z';
    expect(destinationTime(1795924800000)).toBe(iso);
    expect(destinationTime('1795924800000')).toBe(iso);
    expect(destinationTime(iso)).toBe(iso);
    expect(destinationTime('2026-11-29T12:00:00+08:00')).toBe(iso);
  });

  it('timestamp: anything else is left out, never thrown', () => {
    for (const bad of [undefined, null, '', 'soon', Number.NaN, 8.64e15 + 1, {}, [], true]) {
      expect(destinationTime(bad)).toBeUndefined();
    }
  });

  it('functionArn: the FC 3.0 form, the FC 2.0 form with empty region and account, and the slash form', () => {
    expect(parseFcFunctionArn(`acs:fc:cn-hangzhou:${ACCOUNT}:functions/f`)).toEqual({
      regionId: 'cn-hangzhou',
      accountId: ACCOUNT,
      functionName: 'f',
    });
    expect(parseFcFunctionArn('acs:fc:::services/Destination-destination.LATEST/functions/main')).toEqual({
      serviceName: 'Destination-destination',
      functionName: 'main',
    });
    expect(parseFcFunctionArn(`acs:fc:cn-shanghai:${ACCOUNT}:services/s1/functions/f1`)).toEqual({
      regionId: 'cn-shanghai',
      accountId: ACCOUNT,
      serviceName: 's1',
      functionName: 'f1',
    });
    expect(parseFcFunctionArn('acs:fc:cn-shanghai:1234/functions/my-func')).toEqual({
      regionId: 'cn-shanghai',
      accountId: '1234',
      functionName: 'my-func',
    });
    for (const bad of [
      '',
      'arn:aws:lambda:us-east-1:1:function:f',
      'acs:fc',
      'acs:fc:{regionid}:{accountid}',
    ]) {
      expect(parseFcFunctionArn(bad)).toMatchObject({});
      expect(parseFcFunctionArn(bad).accountId).toBeUndefined();
    }
  });
});

describe('readFcDestinationRecord', () => {
  it('reads the FC 3.0 sample shape', () => {
    expect(readFcDestinationRecord(fc3Record)).toEqual({
      requestId: 'req-1',
      at: '2026-11-29T04:00:00.000Z',
      function: { regionId: 'cn-hangzhou', accountId: ACCOUNT, functionName: 'ecs-ram-role-attacher' },
      condition: 'UnhandledInvocationError',
      approximateInvokeCount: 4,
      requestPayload: JSON.stringify(event),
      statusCode: 200,
      functionError: 'UnhandledInvocationError',
      responsePayload: fc3Record.responsePayload,
    });
  });

  it('reads an ISO timestamp and an FC 2.0 functionArn', () => {
    const record = readFcDestinationRecord({
      ...fc3Record,
      timestamp: '2026-11-29T04:00:00.000Z',
      requestContext: {
        ...fc3Record.requestContext,
        functionArn: 'acs:fc:::services/svc.LATEST/functions/f',
      },
    });
    expect(record?.at).toBe('2026-11-29T04:00:00.000Z');
    expect(record?.function).toEqual({ serviceName: 'svc', functionName: 'f' });
  });

  it('keeps a record whose context fields are missing or of the wrong type', () => {
    const record = readFcDestinationRecord({
      timestamp: 'yesterday',
      requestContext: { requestId: 7, functionArn: 42, condition: '', approximateInvokeCount: 'four' },
      requestPayload: event,
      responseContext: 'ok',
      responsePayload: 5,
    });
    expect(record).toEqual({
      requestId: undefined,
      at: undefined,
      function: {},
      condition: undefined,
      approximateInvokeCount: undefined,
      // An already parsed payload is kept as its JSON text.
      requestPayload: JSON.stringify(event),
      statusCode: undefined,
      functionError: undefined,
      responsePayload: undefined,
    });
  });

  it('is not a record without a requestContext object or a requestPayload', () => {
    expect(readFcDestinationRecord({ requestPayload: '{}' })).toBeUndefined();
    expect(readFcDestinationRecord({ requestContext: 'x', requestPayload: '{}' })).toBeUndefined();
    expect(readFcDestinationRecord({ requestContext: {} })).toBeUndefined();
    expect(readFcDestinationRecord([fc3Record])).toBeUndefined();
  });

  it('never throws, whatever the record holds', () => {
    const anything = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        fc.record(
          {
            timestamp: anything,
            requestContext: fc.oneof(
              anything,
              fc.record(
                { requestId: anything, functionArn: fc.oneof(fc.string(), anything), condition: anything },
                { requiredKeys: [] },
              ),
            ),
            requestPayload: anything,
            responseContext: anything,
            responsePayload: anything,
          },
          { requiredKeys: [] },
        ),
        (value) => {
          expect(() => readFcDestinationRecord(value)).not.toThrow();
          const body = JSON.stringify(value);
          expect(() => groupFailures([readDeadLetterMessage(body)])).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('an onFailure message on the dead-letter queue, through the alerts', () => {
  const group = (record: unknown) => {
    const message = readDeadLetterMessage(JSON.stringify(record));
    expect(message.kind).toBe('fc-failure');
    const groups = groupFailures([message]);
    expect(groups).toHaveLength(1);
    return groups[0];
  };

  it('an ISO timestamp and an FC 2.0 ARN: the time kept, region and account from the event instead', () => {
    const g = group({
      ...fc3Record,
      timestamp: '2026-11-29T04:00:00.000Z',
      requestContext: { ...fc3Record.requestContext, functionArn: 'acs:fc:::services/s/functions/f' },
    });
    expect(g).toMatchObject({ kind: 'fc-failure', code: 'UnhandledInvocationError', count: 1 });
    expect(g?.firstAt).toBe('2026-11-29T04:00:00.000Z');
    expect(g?.accountId).toBeUndefined();
    expect(g?.instances.map((i) => [i.regionId, i.instanceId])).toEqual([['cn-hangzhou', INSTANCE]]);
  });

  it('no timestamp and no functionArn: still one alert naming the instance', () => {
    const { timestamp: _t, ...rest } = fc3Record;
    const g = group({ ...rest, requestContext: { requestId: 'req-2', condition: 'FunctionTimeoutError' } });
    expect(g).toMatchObject({ kind: 'fc-failure', code: 'FunctionTimeoutError', count: 1 });
    expect(g?.firstAt).toBeUndefined();
    expect(g?.instances.map((i) => i.instanceId)).toEqual([INSTANCE]);
  });

  it('a malformed timestamp and functionArn, an empty condition: the functionError is the code', () => {
    const g = group({
      ...fc3Record,
      timestamp: 'not a time',
      requestContext: { requestId: 'req-3', functionArn: 42, condition: '' },
    });
    expect(g).toMatchObject({ kind: 'fc-failure', code: 'UnhandledInvocationError' });
    expect(g?.firstAt).toBeUndefined();
  });

  it('the event inside decodes the same whichever form the record takes', () => {
    const refs = (record: unknown) =>
      decodeEvent(JSON.stringify(record), { defaultRegionId: 'cn-shanghai' }).refs.map((r) => r.instanceId);
    expect(refs(fc3Record)).toEqual([INSTANCE]);
    expect(refs({ ...fc3Record, timestamp: 'x', requestContext: 'broken' })).toEqual([INSTANCE]);
  });
});
