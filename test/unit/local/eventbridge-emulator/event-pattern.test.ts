import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  compileEventPatternText,
  EventPatternError,
} from '../../../../local/eventbridge-emulator/event-pattern.js';

// Operators of Alibaba EventBridge event patterns (help.aliyun.com document 181432; cloud-facts EV-21), and only
// those. Each row: a pattern for field `f` (or a whole pattern), an event, and whether it matches.

type Row = [name: string, pattern: Record<string, unknown>, event: Record<string, unknown>, matches: boolean];

const f = (conditions: unknown[]) => ({ f: conditions });

const rows: Row[] = [
  // exact values
  ['string equal', f(['a']), { f: 'a' }, true],
  ['string differs', f(['a']), { f: 'b' }, false],
  ['case-sensitive', f(['a']), { f: 'A' }, false],
  ['list: any of', f(['a', 'b']), { f: 'b' }, true],
  ['list: none of', f(['a', 'b']), { f: 'c' }, false],
  ['number equal', f([300]), { f: 300 }, true],
  ['number is not its string', f([300]), { f: '300' }, false],
  ['string is not a number', f(['300']), { f: 300 }, false],
  ['boolean', f([true]), { f: true }, true],
  ['boolean differs', f([true]), { f: false }, false],
  ['null matches null', f([null]), { f: null }, true],
  ['null does not match absent', f([null]), {}, false],
  ['null does not match ""', f([null]), { f: '' }, false],
  ['empty string', f(['']), { f: '' }, true],
  ['empty string is not null', f(['']), { f: null }, false],
  ['inside an array-valued field', f(['b']), { f: ['a', 'b'] }, true],
  ['not inside an array-valued field', f(['c']), { f: ['a', 'b'] }, false],
  ['empty array-valued field', f(['a']), { f: [] }, false],
  ['absent field', f(['a']), { g: 'a' }, false],
  ['object where a value is expected', f(['a']), { f: { a: 1 } }, false],
  // prefix / suffix / contains
  ['prefix', f([{ prefix: 'ecs:' }]), { f: 'ecs:Instance' }, true],
  ['prefix miss', f([{ prefix: 'ecs:' }]), { f: 'oss:Object' }, false],
  ['prefix is case-sensitive', f([{ prefix: 'ecs:' }]), { f: 'ECS:Instance' }, false],
  ['prefix on a number', f([{ prefix: '3' }]), { f: 300 }, false],
  ['prefix in an array', f([{ prefix: 'i-' }]), { f: ['d-1', 'i-2'] }, true],
  ['prefix absent', f([{ prefix: 'a' }]), {}, false],
  ['suffix', f([{ suffix: 'Tag:ChangeOnResource' }]), { f: 'tag:Tag:ChangeOnResource' }, true],
  ['suffix miss', f([{ suffix: '.jpg' }]), { f: 'a.png' }, false],
  ['contains', f([{ contains: 'Normal' }]), { f: 'xNormaly' }, true],
  ['contains miss', f([{ contains: 'Normal' }]), { f: 'normal' }, false],
  [
    'contains a colon-delimited part',
    f([{ contains: ':ActionTrail:' }]),
    { f: 'ecs:ActionTrail:ApiCall' },
    true,
  ],
  // anything-but
  ['anything-but value', f([{ 'anything-but': 'Deleted' }]), { f: 'Running' }, true],
  ['anything-but value excluded', f([{ 'anything-but': 'Deleted' }]), { f: 'Deleted' }, false],
  ['anything-but absent', f([{ 'anything-but': 'Deleted' }]), {}, false],
  ['anything-but number', f([{ 'anything-but': 123 }]), { f: 124 }, true],
  ['anything-but number excluded', f([{ 'anything-but': 123 }]), { f: 123 }, false],
  ['anything-but list', f([{ 'anything-but': ['a', 'b'] }]), { f: 'c' }, true],
  ['anything-but list excluded', f([{ 'anything-but': ['a', 'b'] }]), { f: 'b' }, false],
  ['anything-but prefix', f([{ 'anything-but': { prefix: 'init' } }]), { f: 'running' }, true],
  ['anything-but prefix excluded', f([{ 'anything-but': { prefix: 'init' } }]), { f: 'initializing' }, false],
  ['anything-but prefix on a number', f([{ 'anything-but': { prefix: 'i' } }]), { f: 5 }, false],
  ['anything-but with an array: one element differs', f([{ 'anything-but': 'a' }]), { f: ['a', 'b'] }, true],
  ['anything-but with an array: all excluded', f([{ 'anything-but': 'a' }]), { f: ['a'] }, false],
  // exists
  ['exists true, present', f([{ exists: true }]), { f: 'x' }, true],
  ['exists true, present null', f([{ exists: true }]), { f: null }, true],
  ['exists true, absent', f([{ exists: true }]), {}, false],
  ['exists false, absent', f([{ exists: false }]), {}, true],
  ['exists false, present', f([{ exists: false }]), { f: 'x' }, false],
  ['exists false under an absent parent', { d: { f: [{ exists: false }] } }, {}, true],
  ['exists true under an absent parent', { d: { f: [{ exists: true }] } }, {}, false],
  // numeric
  ['numeric in range', f([{ numeric: ['>', 0, '<=', 5] }]), { f: 5 }, true],
  ['numeric lower bound exclusive', f([{ numeric: ['>', 0, '<=', 5] }]), { f: 0 }, false],
  ['numeric above range', f([{ numeric: ['>', 0, '<=', 5] }]), { f: 5.01 }, false],
  ['numeric >=', f([{ numeric: ['>=', 10] }]), { f: 10 }, true],
  ['numeric <', f([{ numeric: ['<', 10] }]), { f: 10 }, false],
  ['numeric =', f([{ numeric: ['=', 3.5] }]), { f: 3.5 }, true],
  ['numeric = miss', f([{ numeric: ['=', 3.5] }]), { f: 3 }, false],
  ['numeric on a string', f([{ numeric: ['>', 0] }]), { f: '5' }, false],
  ['numeric absent', f([{ numeric: ['>', 0] }]), {}, false],
  ['numeric in an array', f([{ numeric: ['>', 10] }]), { f: [1, 11] }, true],
  // cidr
  ['cidr inside', f([{ cidr: '10.0.0.0/24' }]), { f: '10.0.0.255' }, true],
  ['cidr outside', f([{ cidr: '10.0.0.0/24' }]), { f: '10.0.1.0' }, false],
  ['cidr /32', f([{ cidr: '192.168.1.10/32' }]), { f: '192.168.1.10' }, true],
  ['cidr /0', f([{ cidr: '0.0.0.0/0' }]), { f: '255.255.255.255' }, true],
  ['cidr host bits in the pattern are ignored', f([{ cidr: '10.0.0.7/24' }]), { f: '10.0.0.1' }, true],
  ['cidr not an address', f([{ cidr: '10.0.0.0/24' }]), { f: 'not-an-ip' }, false],
  ['cidr address with a bad octet', f([{ cidr: '10.0.0.0/8' }]), { f: '10.0.0.256' }, false],
  ['cidr on a number', f([{ cidr: '10.0.0.0/8' }]), { f: 10 }, false],
  // combinations and nesting
  ['operators are ORed', f(['x', { prefix: 'a' }]), { f: 'abc' }, true],
  ['keys are ANDed: both hold', { a: ['1'], b: ['2'] }, { a: '1', b: '2' }, true],
  ['keys are ANDed: one fails', { a: ['1'], b: ['2'] }, { a: '1', b: '3' }, false],
  ['nested object', { data: { state: ['Running'] } }, { data: { state: 'Running' } }, true],
  ['nested object miss', { data: { state: ['Running'] } }, { data: { state: 'Stopped' } }, false],
  ['nested pattern, scalar in the event', { data: { state: ['Running'] } }, { data: 'Running' }, false],
  ['nested pattern, absent parent', { data: { state: ['Running'] } }, {}, false],
  ['nested pattern, array of objects', { d: { id: ['i-2'] } }, { d: [{ id: 'i-1' }, { id: 'i-2' }] }, true],
  ['deeply nested', { a: { b: { c: [{ suffix: 'z' }] } } }, { a: { b: { c: 'xyz' } } }, true],
  ['empty pattern matches anything', {}, { anything: 1 }, true],
  ['unlisted fields are ignored', { a: ['1'] }, { a: '1', b: 'whatever' }, true],
];

describe('event pattern operators', () => {
  it.each(rows)('%s', (_name, pattern, event, expected) => {
    expect(compileEventPattern(pattern).matches(event)).toBe(expected);
  });

  it('matches nothing but a plain object event', () => {
    const matcher = compileEventPattern({});
    expect(matcher.matches({})).toBe(true);
    for (const notAnEvent of [[], [{}], 'x', 1, null, undefined])
      expect(matcher.matches(notAnEvent)).toBe(false);
  });

  it('ANDs the keys and ORs the listed values: two sources × a contained type part', () => {
    const apiCalls = compileEventPatternText(
      '{"source":["acs.actiontrail","acs.ecs"],"type":[{"contains":":ActionTrail:"}],"data":{"eventName":["RunInstances","TagResources"]}}',
    );
    const event = {
      source: 'acs.actiontrail',
      type: 'actiontrail:ActionTrail:ApiCall',
      data: { eventName: 'TagResources' },
    };
    expect(apiCalls.matches(event)).toBe(true);
    expect(apiCalls.matches({ ...event, source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall' })).toBe(true);
    expect(apiCalls.matches({ ...event, data: { eventName: 'StopInstance' } })).toBe(false);
    expect(apiCalls.matches({ ...event, source: 'acs.oss', type: 'oss:ActionTrail:ApiCall' })).toBe(false);
    expect(apiCalls.matches({ ...event, type: 'ecs:Instance:StateChange' })).toBe(false);
    expect(apiCalls.matches({ source: event.source, type: event.type })).toBe(false);
  });
});

describe('invalid event patterns', () => {
  const invalid: Array<[pattern: unknown, field: string, message: RegExp]> = [
    [[], '', /must be a JSON object/],
    [null, '', /must be a JSON object/],
    [{ source: 'acs.ecs' }, 'source', /array of values or a nested object/],
    [{ source: [] }, 'source', /empty list/],
    [{ data: {} }, 'data', /empty object/],
    [{ data: { state: 5 } }, 'data.state', /array of values/],
    [{ f: [['a']] }, 'f[0]', /do not nest/],
    [{ f: [{}] }, 'f[0]', /exactly one key/],
    [{ f: [{ prefix: 'a', suffix: 'b' }] }, 'f[0]', /exactly one key/],
    [{ f: ['ok', { wildcard: '*' }] }, 'f[1]', /unknown operator "wildcard"/],
    [{ f: [{ prefix: 1 }] }, 'f[0].prefix', /must be a string/],
    [{ f: [{ prefix: '' }] }, 'f[0].prefix', /must not be empty/],
    [{ f: [{ prefix: { 'equals-ignore-case': 'a' } }] }, 'f[0].prefix', /must be a string/],
    [{ f: [{ suffix: null }] }, 'f[0].suffix', /must be a string/],
    [{ f: [{ contains: [] }] }, 'f[0].contains', /must be a string/],
    // Operators of AWS EventBridge that Alibaba's table does not list (cloud-facts EV-21).
    [{ f: [{ 'equals-ignore-case': 'a' }] }, 'f[0]', /unknown operator "equals-ignore-case"/],
    [{ $or: [{ f: ['a'] }, { g: ['b'] }] }, '$or[0]', /unknown operator "f"/],
    [{ f: [{ 'anything-but': { 'equals-ignore-case': 'a' } }] }, 'f[0].anything-but', /only \{"prefix"/],
    // At most 5 operator objects per field (cloud-facts EV-23); exact values do not count.
    [
      { f: ['x', ...['a', 'b', 'c', 'd', 'e', 'f'].map((prefix) => ({ prefix }))] },
      'f',
      /6 operator objects; EventBridge allows at most 5/,
    ],
    [{ f: [{ exists: 'true' }] }, 'f[0].exists', /true or false/],
    [{ f: [{ 'anything-but': [] }] }, 'f[0].anything-but', /empty list/],
    [{ f: [{ 'anything-but': [true] }] }, 'f[0].anything-but[0]', /string or a number/],
    [{ f: [{ 'anything-but': { suffix: 'x' } }] }, 'f[0].anything-but', /only \{"prefix"/],
    [{ f: [{ 'anything-but': null }] }, 'f[0].anything-but', /must be a string, a number/],
    [{ f: [{ numeric: [] }] }, 'f[0].numeric', /operator\/number pairs/],
    [{ f: [{ numeric: ['>', 0, '<'] }] }, 'f[0].numeric', /operator\/number pairs/],
    [{ f: [{ numeric: ['>', '0'] }] }, 'f[0].numeric[1]', /must be a number/],
    [{ f: [{ numeric: ['~', 0] }] }, 'f[0].numeric[0]', /unknown comparison/],
    [{ f: [{ numeric: ['>', 0, '>', 1] }] }, 'f[0].numeric[2]', /one lower bound/],
    [{ f: [{ numeric: ['<', 0, '<=', 1] }] }, 'f[0].numeric[2]', /one upper bound/],
    [{ f: [{ numeric: ['>', 5, '<', 5] }] }, 'f[0].numeric', /lower bound must be below/],
    [{ f: [{ numeric: ['=', 1, '<', 5] }] }, 'f[0].numeric[0]', /cannot be combined/],
    [{ f: [{ cidr: '10.0.0.0' }] }, 'f[0].cidr', /not an IPv4 CIDR/],
    [{ f: [{ cidr: '10.0.0.0/33' }] }, 'f[0].cidr', /not an IPv4 CIDR/],
    [{ f: [{ cidr: '300.0.0.0/8' }] }, 'f[0].cidr', /not an IPv4 CIDR/],
    [{ f: [{ cidr: '2001:db8::/32' }] }, 'f[0].cidr', /not an IPv4 CIDR/],
    [{ f: [{ cidr: 10 }] }, 'f[0].cidr', /must be a string/],
    [{ '': ['x'] }, '', /field names must not be empty/],
  ];

  it.each(invalid)('rejects %j, naming %s', (pattern, field, message) => {
    let error: unknown;
    try {
      compileEventPattern(pattern);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EventPatternError);
    expect((error as EventPatternError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
    if (field !== '') expect((error as Error).message).toContain(JSON.stringify(field));
  });

  it('takes 5 operator objects in one field, and any number of exact values beside them', () => {
    const values = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];
    const pattern = { f: [...values, ...['a', 'b', 'c', 'd', 'e'].map((prefix) => ({ prefix }))] };
    expect(compileEventPattern(pattern).matches({ f: 'e1' })).toBe(true);
    expect(compileEventPattern(pattern).matches({ f: 'v7' })).toBe(true);
  });

  it('rejects pattern text that is not JSON', () => {
    expect(() => compileEventPatternText('{"source": [')).toThrow(EventPatternError);
  });
});
