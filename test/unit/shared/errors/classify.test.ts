import { ClientError, ServerError, ThrottlingError } from '@alicloud/openapi-core';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors/app-error.js';
import { classifyCode, describeError, retriesUntilDeadline } from '../../../../shared/errors/classify.js';

describe('classifyCode: the error-class table', () => {
  it.each([
    ['Throttling', undefined, 'retryable'],
    ['Throttling.User', 400, 'retryable'],
    ['Throttling.Api', 400, 'retryable'],
    ['Rejected.Throttling', 400, 'retryable'],
    ['ServiceUnavailable', 503, 'retryable'],
    ['InternalError', 500, 'retryable'],
    ['SomethingNew', 502, 'retryable'],
    ['IncorrectInstanceStatus', 403, 'retryable'],
    ['IncorrectInstanceStatus.Initializing', 403, 'retryable'],
    ['OperationConflict', 409, 'retryable'],
    ['RequestTimeout', undefined, 'retryable'],
    ['NetworkError', undefined, 'retryable'],
    ['BadResponse', undefined, 'retryable'],
    ['NoResult', undefined, 'retryable'],
    ['InvalidRamRole.NotFound', 404, 'permanent'],
    ['InvalidRamRole.NotEcsRole', 404, 'permanent'],
    ['InvalidUser.PassRoleForbidden', 403, 'permanent'],
    ['InvalidNetworkType.MismatchRamRole', 403, 'permanent'],
    ['Forbidden.RAM', 403, 'permanent'],
    ['InvalidInstanceIds.Malformed', 400, 'permanent'],
    ['InvalidParameter', 400, 'permanent'],
    ['SignatureDoesNotMatch', 400, 'permanent'],
    ['InvalidRamRole.NotEcsRole', 500, 'permanent'],
  ] as const)('%s (HTTP %s) is %s', (code, status, expected) => {
    expect(classifyCode(code, status === undefined ? {} : { status })).toBe(expected);
  });

  it('InvalidInstanceId.NotFound is retryable only for an instance created moments ago', () => {
    expect(classifyCode('InvalidInstanceId.NotFound', { status: 404, instanceIsNew: true })).toBe(
      'retryable',
    );
    expect(classifyCode('InvalidInstanceId.NotFound', { status: 404, instanceIsNew: false })).toBe(
      'permanent',
    );
    expect(classifyCode('InvalidInstanceId.NotFound', { status: 404 })).toBe('permanent');
  });
});

describe('retriesUntilDeadline', () => {
  it('holds for throttling only: everything else has a fixed number of attempts', () => {
    expect(
      ['Throttling', 'Throttling.User', 'Throttling.Api', 'Rejected.Throttling'].map(retriesUntilDeadline),
    ).toEqual([true, true, true, true]);
    expect(
      ['ServiceUnavailable', 'InternalError', 'IncorrectInstanceStatus', 'RequestTimeout'].map(
        retriesUntilDeadline,
      ),
    ).toEqual([false, false, false, false]);
  });
});

describe('describeError', () => {
  const sdkError = <T>(Type: new (map: Record<string, unknown>) => T, fields: Record<string, unknown>) =>
    new Type({ ...fields, message: `${String(fields.code)}: test` });

  it('reads the SDK ClientError fields', () => {
    const info = describeError(
      sdkError(ClientError, { code: 'InvalidRamRole.NotEcsRole', statusCode: 404, requestId: 'R-1' }),
    );
    expect(info).toMatchObject({
      code: 'InvalidRamRole.NotEcsRole',
      status: 404,
      requestId: 'R-1',
      errorClass: 'permanent',
      uncertain: false,
    });
  });

  it('honours retryAfter on a ThrottlingError and does not call it uncertain', () => {
    const info = describeError(
      sdkError(ThrottlingError, { code: 'Throttling', statusCode: 400, retryAfter: 1500 }),
    );
    expect(info).toMatchObject({
      code: 'Throttling',
      errorClass: 'retryable',
      retryAfterMs: 1500,
      uncertain: false,
    });
  });

  it('treats a ServerError as retryable and uncertain (the write may have happened)', () => {
    const info = describeError(sdkError(ServerError, { code: 'ServiceUnavailable', statusCode: 503 }));
    expect(info).toMatchObject({ errorClass: 'retryable', uncertain: true, status: 503 });
  });

  it('maps timeouts, socket errors and non-JSON error bodies', () => {
    const timeout = Object.assign(new Error('ReadTimeout(1000). POST http://x failed.'), {
      name: 'RequestTimeoutError',
    });
    expect(describeError(timeout)).toMatchObject({
      code: 'RequestTimeout',
      errorClass: 'retryable',
      uncertain: true,
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toMatchObject({
      code: 'NetworkError',
      errorClass: 'retryable',
      uncertain: false,
    });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(describeError(reset)).toMatchObject({ code: 'NetworkError', uncertain: true });
    expect(describeError(new SyntaxError("Unexpected token '<'"))).toMatchObject({
      code: 'BadResponse',
      errorClass: 'retryable',
    });
  });

  it('reads the code out of an MNS error name', () => {
    const e = Object.assign(new Error('POST … failed with 404'), { name: 'MNSQueueNotExistError' });
    expect(describeError(e)).toMatchObject({ code: 'QueueNotExist', errorClass: 'permanent' });
    const busy = Object.assign(new Error('failed with 500'), { name: 'MNSInternalErrorError' });
    expect(describeError(busy)).toMatchObject({ code: 'InternalError', errorClass: 'retryable' });
  });

  it('keeps the class of the project’s own errors', () => {
    const e = new AppError('InvalidEvent.NotJson', 'nope', { errorClass: 'permanent' });
    expect(describeError(e)).toMatchObject({ code: 'InvalidEvent.NotJson', errorClass: 'permanent' });
  });

  it('reads the status and retry-after of the project’s own errors from their fields', () => {
    const e = new AppError('BadResponse', 'HTTP 503', {
      errorClass: 'retryable',
      status: 503,
      retryAfterMs: 250,
    });
    expect(describeError(e)).toEqual({
      code: 'BadResponse',
      message: 'HTTP 503',
      errorClass: 'retryable',
      status: 503,
      retryAfterMs: 250,
      uncertain: false,
    });
    // Fields only: a property bolted on afterwards is not guessed at, and a negative wait is no wait.
    const bolted = Object.assign(new AppError('X', 'x', { errorClass: 'retryable' }), { retryAfter: 700 });
    expect(describeError(bolted).retryAfterMs).toBeUndefined();
    expect(
      new AppError('X', 'x', { errorClass: 'retryable', retryAfterMs: -1 }).retryAfterMs,
    ).toBeUndefined();
  });

  it('never throws on odd inputs', () => {
    for (const odd of [undefined, null, 42, 'text', {}, [], { code: 7 }]) {
      expect(describeError(odd).code).toBe('UnknownError');
    }
  });
});
