import { describe, expect, it } from 'vitest';
import { toIsoTime } from '../../../../shared/events/event-meta.js';
import { reasonForState } from '../../../../shared/events/instance-state.js';
import { exceedsDepth } from '../../../../shared/events/parse-json.js';
import { parseArn, readResourceRef, resolveInstance } from '../../../../shared/events/resource-ids.js';
import { isSafeToken, pointer, quote } from '../../../../shared/events/text.js';
import { unwrapPayload } from '../../../../shared/events/wrapped-payload.js';

/** The decoder's small helpers: ARNs, times, states, quoting, payload unwrapping. */

describe('ARN and id helpers', () => {
  it('splits an ECS instance ARN', () => {
    expect(parseArn('acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000001')).toEqual({
      service: 'ecs',
      region: 'cn-hangzhou',
      account: '1234567890123456',
      resourceType: 'instance',
      resourceId: 'i-bp1pay00000000000001',
    });
    expect(parseArn('acs:ram::1234567890123456:role/EcsAppRole')?.resourceType).toBe('role');
    expect(parseArn('arn:aws:ec2:us-east-1:1:instance/i-1')).toBeUndefined();
    expect(parseArn('acs:ecs:cn-hangzhou:1:instance')).toBeUndefined();
  });

  it('reads bare ids and instance ARNs, and tells other resources apart', () => {
    expect(readResourceRef('i-bp1pay00000000000001', '/x')).toEqual({
      kind: 'instance',
      location: { instanceId: 'i-bp1pay00000000000001' },
    });
    expect(readResourceRef('ACS:ECS:cn-shanghai::INSTANCE/i-uf6app00000000000001', '/x')).toEqual({
      kind: 'instance',
      location: { instanceId: 'i-uf6app00000000000001', regionId: 'cn-shanghai' },
    });
    expect(readResourceRef('acs:ecs:cn-hangzhou:1:disk/d-bp1disk000000000001', '/x').kind).toBe('other');
  });

  it.each([
    ['d-bp1disk000000000001', 'InvalidEvent.InstanceId'],
    ['acs:ecs:cn-hangzhou:1:instance/i-NOPE', 'InvalidEvent.InstanceId'],
    ['acs:ecs:Hangzhou:1:instance/i-bp1pay00000000000001', 'InvalidEvent.RegionId'],
    ['acs:ecs:cn-hangzhou:root:instance/i-bp1pay00000000000001', 'InvalidEvent.AccountId'],
    [`acs:ecs:cn-hangzhou:1:instance/i-${'a'.repeat(600)}`, 'InvalidEvent.InstanceId'],
  ])('rejects %j with %s', (value, code) => {
    expect(() => readResourceRef(value, '/x')).toThrow(expect.objectContaining({ code, path: '/x' }));
  });

  it('resolves the first instance among candidates but checks them all', () => {
    const first = { value: 'i-bp1pay00000000000001', path: '/a' };
    expect(resolveInstance([{ value: undefined, path: '/z' }, first])).toEqual({
      kind: 'instance',
      location: { instanceId: 'i-bp1pay00000000000001' },
    });
    expect(() => resolveInstance([first, { value: 'i-!', path: '/b' }])).toThrow(
      expect.objectContaining({ path: '/b' }),
    );
    expect(resolveInstance([{ value: null, path: '/a' }])).toBeUndefined();
  });
});

describe('event times', () => {
  it.each([
    ['2026-11-29T04:00:00Z', '2026-11-29T04:00:00.000Z'],
    ['2026-11-29T12:00:00.5+08:00', '2026-11-29T04:00:00.500Z'],
    ['20261129T120114.058+0800', '2026-11-29T04:01:14.058Z'],
    ['20261129T120114Z', '2026-11-29T12:01:14.000Z'],
    ['20261129T120114', '2026-11-29T04:01:14.000Z'],
    ['2026-11-29 12:00:00.500 PRC', undefined],
    ['2026-13-45T04:00:00Z', undefined],
    ['yesterday', undefined],
    [1795838400000, undefined],
  ])('%j → %j', (input, expected) => {
    expect(toIsoTime(input)).toBe(expected);
  });
});

describe('instance states', () => {
  it.each([
    ['Pending', 'created'],
    ['Created', 'created'],
    ['Starting', 'created'],
    ['running', 'created'],
    ['Stopping', 'state-change'],
    ['Stopped', 'state-change'],
    [undefined, 'state-change'],
    ['Deleted', undefined],
  ])('%s → %s', (state, reason) => {
    expect(reasonForState(state)).toBe(reason);
  });
});

describe('text helpers', () => {
  it('quotes untrusted text as printable ASCII, truncated', () => {
    expect(quote('a"b\\c\n\u2028é')).toBe('"a\\"b\\\\c\\u000a\\u2028\\u00e9"');
    expect(quote('x'.repeat(100), 10)).toBe(`"${'x'.repeat(10)}"...(100 chars)`);
  });

  it('accepts only printable ASCII tokens as ids', () => {
    expect(isSafeToken('6f1c2a3b-0000-4000-8000-000000000001')).toBe(true);
    expect(isSafeToken('a b')).toBe(true);
    expect(isSafeToken(' a')).toBe(false);
    expect(isSafeToken('a\nb')).toBe(false);
    expect(isSafeToken('x'.repeat(257))).toBe(false);
    expect(isSafeToken('')).toBe(false);
  });

  it('escapes JSON-pointer segments', () => {
    expect(pointer('/data', 'a/b~c')).toBe('/data/a~1b~0c');
    expect(pointer('', 3)).toBe('/3');
  });

  it('measures depth without recursion', () => {
    expect(exceedsDepth(JSON.parse('[[[1]]]'), 3)).toBe(false);
    expect(exceedsDepth(JSON.parse('[[[[1]]]]'), 3)).toBe(true);
    expect(exceedsDepth('flat', 0)).toBe(false);
  });
});

describe('wrapped payloads', () => {
  const event = { resourceId: 'i-bp1pay00000000000001' };
  it.each([
    ['a JSON string', JSON.stringify(event)],
    ['base64 JSON', Buffer.from(JSON.stringify(event)).toString('base64')],
    ['base64 JSON with a BOM', Buffer.from(`\ufeff${JSON.stringify(event)}`).toString('base64')],
    ['an object', event],
  ])('accepts %s', (_name, payload) => {
    expect(unwrapPayload(payload, '/p')).toEqual(event);
  });

  it.each([
    ['TEST', 'InvalidEvent.NotJson'],
    ['', 'InvalidEvent.NotJson'],
    ['{broken', 'InvalidEvent.NotJson'],
    [Buffer.from('plain text').toString('base64'), 'InvalidEvent.NotJson'],
    [true, 'InvalidEvent.WrongType'],
  ])('rejects %j with %s', (payload, code) => {
    expect(() => unwrapPayload(payload, '/p')).toThrow(expect.objectContaining({ code, path: '/p' }));
  });
});
