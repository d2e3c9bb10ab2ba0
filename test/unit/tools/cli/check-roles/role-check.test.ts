import { describe, expect, it } from 'vitest';
import { allGood, checkRole } from '../../../../../tools/cli/check-roles/role-check.js';
import { parseEndpoint } from '../../../../../tools/cli/endpoint-flag.js';

const ARN = 'acs:ram::1234567890123456:role/R';
const found = (document: unknown) => ({
  kind: 'found' as const,
  arn: ARN,
  assumeRolePolicyDocument: typeof document === 'string' ? document : JSON.stringify(document),
});

describe('checkRole', () => {
  it.each([
    [
      'trusts ECS',
      found({
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ecs.aliyuncs.com' } },
        ],
      }),
      { status: 'ok', exists: true, trustsEcs: true, conditional: false },
    ],
    [
      'denies ECS',
      found({
        Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: 'ecs.aliyuncs.com' } }],
      }),
      { status: 'not-trusted', exists: true, trustsEcs: false, note: expect.stringContaining('denies') },
    ],
    [
      'an unreadable document',
      found('not json'),
      { status: 'unreadable', exists: true, trustsEcs: null, note: expect.stringContaining('not JSON') },
    ],
    [
      'no document at all',
      { kind: 'found' as const, arn: ARN, assumeRolePolicyDocument: undefined },
      { status: 'unreadable' },
    ],
    ['missing', { kind: 'missing' as const }, { status: 'missing', exists: false, trustsEcs: null }],
    [
      'a failed call',
      { kind: 'failed' as const, code: 'NoPermission', message: 'no ram:GetRole' },
      { status: 'failed', exists: null, note: 'GetRole failed: NoPermission: no ram:GetRole' },
    ],
  ])('%s', (_, answer, expected) => {
    expect(checkRole('R', answer)).toMatchObject({ role: 'R', ...expected });
  });

  it('all good only when every role is ok', () => {
    const ok = checkRole(
      'A',
      found({ Statement: { Effect: 'Allow', Action: '*', Principal: { Service: ['ecs.aliyuncs.com'] } } }),
    );
    expect(allGood([ok])).toBe(true);
    expect(allGood([ok, checkRole('B', { kind: 'missing' })])).toBe(false);
    expect(allGood([])).toBe(true);
  });
});

describe('parseEndpoint', () => {
  it.each([
    ['http://127.0.0.1:8080', { host: '127.0.0.1:8080', protocol: 'http' }],
    ['https://ram.aliyuncs.com/', { host: 'ram.aliyuncs.com', protocol: 'https' }],
    ['ram.aliyuncs.com', { host: 'ram.aliyuncs.com', protocol: 'https' }],
    ['ftp://x', undefined],
    ['http://x/path', undefined],
    ['', undefined],
  ])('%s', (value, expected) => {
    expect(parseEndpoint(value)).toEqual(expected);
  });
});
