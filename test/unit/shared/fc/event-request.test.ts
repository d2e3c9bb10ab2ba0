import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contextFromHeaders,
  controlPath,
  failureAnswer,
  successAnswer,
} from '../../../../shared/fc/event-request.js';

const FULL = {
  'x-fc-request-id': 'r-1',
  'x-fc-access-key-id': 'STS.id',
  'x-fc-access-key-secret': 'secret',
  'x-fc-security-token': 'token',
  'x-fc-function-name': 'fn',
  'x-fc-function-handler': 'index.handler',
  'x-fc-function-memory': '512',
  'x-fc-function-timeout': '120',
  'x-fc-region': 'cn-hangzhou',
  'x-fc-account-id': '1234567890123456',
};

describe('contextFromHeaders', () => {
  it("builds the built-in runtime's context from FC's common headers", () => {
    expect(contextFromHeaders(FULL)).toEqual({
      requestId: 'r-1',
      credentials: { accessKeyId: 'STS.id', accessKeySecret: 'secret', securityToken: 'token' },
      function: { name: 'fn', handler: 'index.handler', memory: 512, timeout: 120 },
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
    });
  });

  it('falls back to the defaults for absent or empty headers, and leaves out an incomplete key pair', () => {
    const context = contextFromHeaders(
      { 'x-fc-access-key-id': 'STS.id', 'x-fc-region': '', 'x-fc-function-timeout': 'soon' },
      { timeoutSeconds: 90, region: 'cn-shanghai', accountId: '1', functionName: 'f' },
      () => 'fresh',
    );
    expect(context).toEqual({
      requestId: 'fresh',
      function: { name: 'f', timeout: 90 },
      region: 'cn-shanghai',
      accountId: '1',
    });
  });

  it('never throws and always gives a request id and only positive whole numbers, whatever the headers', () => {
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined));
    const name = fc.oneof(fc.constantFrom(...Object.keys(FULL)), fc.string());
    fc.assert(
      fc.property(fc.dictionary(name, value), (headers) => {
        const context = contextFromHeaders(headers, {}, () => 'fresh');
        expect(context.requestId.length).toBeGreaterThan(0);
        for (const n of [context.function?.timeout, context.function?.memory]) {
          if (n !== undefined) expect(Number.isInteger(n) && n > 0).toBe(true);
        }
      }),
    );
  });
});

describe('controlPath', () => {
  it('tells event invocations and the initializer from anything else', () => {
    expect(controlPath('POST', '/invoke', {})).toBe('invoke');
    expect(controlPath('POST', '/anything', { 'x-fc-control-path': '/invoke' })).toBe('invoke');
    expect(controlPath('POST', '/initialize', {})).toBe('initialize');
    expect(controlPath('GET', '/invoke', {})).toBe('other');
    expect(controlPath('POST', '/', { 'x-fc-control-path': '/http-invoke' })).toBe('other');
  });
});

describe('answers', () => {
  it("encodes a result as FC's built-in runtime does, with x-fc-status 200", () => {
    expect(successAnswer({ a: 1 })).toMatchObject({ status: 200, headers: { 'x-fc-status': '200' } });
    expect(successAnswer({ a: 1 }).body.toString()).toBe('{"a":1}');
    expect(successAnswer(undefined).body.length).toBe(0);
    expect(successAnswer(Buffer.from('x')).headers['content-type']).toBe('application/octet-stream');
  });

  it('reports a failure as 404 with x-fc-status 404 and the error shape', () => {
    const answer = failureAnswer(new TypeError('boom'));
    expect(answer).toMatchObject({ status: 404, headers: { 'x-fc-status': '404' } });
    expect(JSON.parse(answer.body.toString())).toMatchObject({
      errorMessage: 'boom',
      errorType: 'TypeError',
    });
  });
});
