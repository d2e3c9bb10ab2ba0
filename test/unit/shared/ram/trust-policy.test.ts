import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ECS_SERVICE, readTrustPolicy, serviceTrustPolicy } from '../../../../shared/ram/trust-policy.js';

const trustOf = (document: unknown, service = ECS_SERVICE) => {
  const reading = readTrustPolicy(typeof document === 'string' ? document : JSON.stringify(document));
  return reading.ok ? reading.trust(service) : reading.problem;
};

const allow = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Principal: { Service: ['ecs.aliyuncs.com'] },
  ...extra,
});

describe('readTrustPolicy', () => {
  it.each([
    ['the console form', { Version: '1', Statement: [allow()] }, { trusted: true, conditional: false }],
    ['Statement as an object', { Version: '1', Statement: allow() }, { trusted: true, conditional: false }],
    [
      'Service and Action as strings',
      { Statement: [allow({ Principal: { Service: 'ecs.aliyuncs.com' }, Action: ['sts:AssumeRole'] })] },
      { trusted: true, conditional: false },
    ],
    [
      'a service among others, spelt in capitals',
      { Statement: [allow({ Principal: { Service: ['fc.aliyuncs.com', 'ECS.aliyuncs.com'] } })] },
      { trusted: true, conditional: false },
    ],
    [
      'the action as sts:*',
      { Statement: [allow({ Action: 'sts:*' })] },
      { trusted: true, conditional: false },
    ],
    [
      'a condition',
      { Statement: [allow({ Condition: { StringEquals: { 'acs:SourceAccount': '1' } } })] },
      { trusted: true, conditional: true },
    ],
    [
      'one conditional statement and one plain one',
      { Statement: [allow({ Condition: { Bool: { x: 'true' } } }), allow()] },
      { trusted: true, conditional: false },
    ],
    [
      'another service only',
      { Statement: [allow({ Principal: { Service: ['fc.aliyuncs.com'] } })] },
      { trusted: false, reason: 'not-named' },
    ],
    [
      'the account only',
      { Statement: [allow({ Principal: { RAM: ['acs:ram::1:root'] } })] },
      { trusted: false, reason: 'not-named' },
    ],
    ['Effect Deny only', { Statement: [allow({ Effect: 'Deny' })] }, { trusted: false, reason: 'denied' }],
    [
      'an Allow and a Deny',
      { Statement: [allow(), allow({ Effect: 'Deny' })] },
      { trusted: false, reason: 'denied' },
    ],
    [
      'another action',
      { Statement: [allow({ Action: 'sts:AssumeRoleWithSAML' })] },
      { trusted: false, reason: 'not-named' },
    ],
    ['an empty Statement list', { Version: '1', Statement: [] }, { trusted: false, reason: 'not-named' }],
  ])('%s', (_, document, expected) => {
    expect(trustOf(document)).toEqual(expected);
  });

  it.each([
    ['not JSON', '{"Statement": ['],
    ['not an object', '[1]'],
    ['no Statement', '{"Version":"1"}'],
    ['empty', ''],
  ])('names what is wrong when the document is %s', (_, text) => {
    expect(typeof trustOf(text)).toBe('string');
  });

  it('reads what serviceTrustPolicy writes', () => {
    expect(trustOf(serviceTrustPolicy([ECS_SERVICE]))).toEqual({ trusted: true, conditional: false });
    expect(trustOf(serviceTrustPolicy(['fc.aliyuncs.com']), 'fc.aliyuncs.com')).toMatchObject({
      trusted: true,
    });
  });

  it('never throws, whatever the document, and trusts only a service some Allow names', () => {
    const service = fc.constantFrom('ecs.aliyuncs.com', 'fc.aliyuncs.com', 'ECS.aliyuncs.com', '');
    const statement = fc.record(
      {
        Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe', 3),
        Action: fc.oneof(
          fc.constantFrom('sts:AssumeRole', 'sts:*', '*', 'ecs:Describe*'),
          fc.array(fc.string()),
        ),
        Principal: fc.oneof(fc.record({ Service: fc.oneof(service, fc.array(service)) }), fc.anything()),
        Condition: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ Statement: fc.oneof(statement, fc.array(statement)) })),
        (doc) => {
          const text = JSON.stringify(doc) ?? 'undefined';
          const reading = readTrustPolicy(text);
          if (!reading.ok) return;
          const trust = reading.trust(ECS_SERVICE);
          if (trust.trusted) expect(text.toLowerCase()).toContain('ecs.aliyuncs.com');
        },
      ),
      { numRuns: 500 },
    );
  });
});
