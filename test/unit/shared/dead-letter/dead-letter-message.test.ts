import { describe, expect, it } from 'vitest';
import { readDeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import { type DeadLetterRecord, encodeRecord } from '../../../../shared/dead-letter/dead-letter-record.js';

const record: DeadLetterRecord = {
  kind: 'deadline',
  version: 1,
  at: '2026-11-29T04:00:00.000Z',
  regionId: 'cn-hangzhou',
  instanceId: 'i-bp1pay00000000000001',
  error: { code: 'ServiceUnavailable', message: 'busy', class: 'retryable' },
  attempts: 4,
  source: { fcRequestId: 'r-1' },
};
const fcFailure = {
  timestamp: 1795838400000,
  requestContext: {
    requestId: 'r',
    functionArn: 'acs:fc:cn-hangzhou:1:functions/f',
    condition: 'UnhandledInvocationError',
    approximateInvokeCount: 4,
  },
  requestPayload: '{"id":"e"}',
  responseContext: { statusCode: 200, functionError: 'UnhandledInvocationError' },
  responsePayload: '{}',
};

describe('readDeadLetterMessage', () => {
  it('reads the function’s own base64 records', () => {
    expect(readDeadLetterMessage(encodeRecord(record))).toEqual({ kind: 'record', record });
  });

  it('reads FC onFailure records as JSON text and as base64 (cloud-facts FT-12), fields normalised', () => {
    const text = JSON.stringify(fcFailure);
    const read = {
      requestId: 'r',
      at: '2026-11-28T04:00:00.000Z',
      function: { regionId: 'cn-hangzhou', accountId: '1', functionName: 'f' },
      condition: 'UnhandledInvocationError',
      approximateInvokeCount: 4,
      requestPayload: '{"id":"e"}',
      statusCode: 200,
      functionError: 'UnhandledInvocationError',
      responsePayload: '{}',
    };
    expect(readDeadLetterMessage(text)).toEqual({ kind: 'fc-failure', record: read });
    expect(readDeadLetterMessage(Buffer.from(text).toString('base64'))).toEqual({
      kind: 'fc-failure',
      record: read,
    });
  });

  it('reads an onFailure record whose requestPayload is already parsed, or whose fields are odd', () => {
    const odd = { requestContext: { functionArn: 7 }, requestPayload: { id: 'e' }, timestamp: 'later' };
    expect(readDeadLetterMessage(JSON.stringify(odd))).toMatchObject({
      kind: 'fc-failure',
      record: { requestPayload: '{"id":"e"}', function: {} },
    });
  });

  it('keeps what it cannot read, saying why', () => {
    expect(readDeadLetterMessage('not a record')).toMatchObject({ kind: 'unreadable', body: 'not a record' });
    expect(readDeadLetterMessage('{"hello":1}')).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringContaining('no known'),
    });
  });

  it('checks a record against the schema instead of trusting three fields', () => {
    // Passed the old check (version 1, a string kind, an error object) though nothing else is a record.
    const bogus = { version: 1, kind: 'deadline', error: {} };
    expect(readDeadLetterMessage(Buffer.from(JSON.stringify(bogus)).toString('base64'))).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/^not a valid dead-letter record: /),
    });
  });

  it('reads an FC record that lacks the fields nothing depends on', () => {
    const sparse = { requestContext: { requestId: 'r' }, requestPayload: '{"id":"e"}' };
    // FC's records are read leniently (shared/events/fc-destination.ts): absent fields are left out, not refused.
    expect(readDeadLetterMessage(JSON.stringify(sparse))).toMatchObject({
      kind: 'fc-failure',
      record: { requestId: 'r', requestPayload: '{"id":"e"}', function: {} },
    });
    // Without the lost event as text there is nothing to replay: not an FC record at all.
    expect(readDeadLetterMessage(JSON.stringify({ ...sparse, requestPayload: 5 }))).toMatchObject({
      kind: 'unreadable',
    });
  });
});
