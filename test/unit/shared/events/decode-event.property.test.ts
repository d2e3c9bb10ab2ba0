import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../../shared/events/decode-envelope.js';
import { EventDecodeError } from '../../../../shared/events/decode-error.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { expectWellFormed, listFixtures, OPTIONS, readFixture, readFixtureJson } from './fixtures.js';

/**
 * Properties over arbitrary and mutated input: decodeEvent never throws, decodeEnvelope throws nothing but
 * EventDecodeError, and whatever comes out is well formed (valid ids and regions, unique refs, printable text).
 */

const JSON_FIXTURES = [
  ...listFixtures(),
  ...listFixtures('ignored/'),
  ...listFixtures('malformed/'),
  ...listFixtures('variants/'),
].filter((name) => name.endsWith('.json'));

const fixtureValues = JSON_FIXTURES.map((name) => readFixtureJson(name));
const fixtureTexts = [...JSON_FIXTURES, 'malformed/not-json.txt'].map((name) =>
  readFixture(name).toString('utf8'),
);

/** Strings that mean something to the decoder, or are built to hurt it. */
const interesting = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'i-bp1pay00000000000001',
  'i-BP1PAY00000000000001',
  'd-bp1disk000000000001',
  'acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000001',
  'acs:ecs:../..:x:instance/i-bp1pay00000000000001',
  'acs:ecs:cn-hangzhou:1:disk/d-1',
  'acs:',
  'cn-hangzhou',
  '../../etc',
  'Running',
  'Deleted',
  'instance',
  'ALIYUN::ECS::Disk',
  'RunInstances',
  'TagResources',
  'ecs:Instance:StateChange',
  'ecs:ActionTrail:ApiCall',
  'actiontrail:ActionTrail:ApiCall',
  'arn:acs:ecs:cn-hangzhou:1234567890123456:instance/i-bp1pay00000000000001',
  'tag:Tag:ChangeOnResource',
  'mns:Queue:SendMessage',
  'i-bp1\u0000\u2028\u202e',
  'x'.repeat(5000),
  Buffer.from(JSON.stringify(fixtureValues[0])).toString('base64'),
  JSON.stringify(fixtureValues[1]),
);
const hostileString = fc.oneof(interesting, fc.string({ unit: 'binary', maxLength: 40 }));
const replacement = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(...fixtureValues) },
);

type Path = (string | number)[];

/** Every path to a value inside `value` (fixtures are small). */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, index]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

type Mutation =
  | { op: 'replace'; value: unknown }
  | { op: 'delete' }
  | { op: 'add-key'; key: string; value: unknown }
  | { op: 'wrap' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), value: replacement }),
  fc.record({ op: fc.constant('delete' as const) }),
  fc.record({ op: fc.constant('add-key' as const), key: hostileString, value: replacement }),
  fc.record({ op: fc.constant('wrap' as const) }),
);

/** Applies `mutation` at `path` of a copy of `value` (own-property writes only: keys like `__proto__` included). */
function mutate(value: unknown, path: Path, change: Mutation): unknown {
  if (path.length === 0) {
    if (change.op === 'replace') return change.value;
    if (change.op === 'wrap') return [value];
    if (change.op === 'add-key' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { ...value, [change.key]: change.value };
    }
    return change.op === 'delete' ? {} : value;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === 'number') {
    const copy = [...value];
    if (rest.length === 0 && change.op === 'delete') copy.splice(head, 1);
    else copy[head] = mutate(copy[head], rest, change);
    return copy;
  }
  if (typeof value === 'object' && value !== null && typeof head === 'string') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === head && rest.length === 0 && change.op === 'delete') continue;
      Object.defineProperty(copy, key, {
        value: key === head ? mutate(item, rest, change) : item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

/** A fixture with 1–4 mutations at random places. */
const mutatedFixture: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.nat(fixtureValues.length - 1),
    fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }),
  )
  .map(([index, changes]) => {
    let value: unknown = fixtureValues[index];
    for (const [pick, change] of changes) {
      const paths = pathsOf(value);
      value = mutate(value, paths[pick % paths.length] ?? [], change);
    }
    return value;
  });

/** Fixture text cut or spliced at a random place. */
const mutatedText = fc
  .tuple(fc.constantFrom(...fixtureTexts), fc.nat(), fc.nat(), hostileString)
  .map(([text, at, cut, insert]) => {
    const start = at % (text.length + 1);
    return text.slice(0, start) + insert + text.slice(start + (cut % 8));
  });

function expectOnlyDecodeErrors(value: unknown): void {
  try {
    decodeEnvelope(value, OPTIONS);
  } catch (error) {
    expect(error).toBeInstanceOf(EventDecodeError);
  }
}

function expectDecodes(text: string): void {
  expectWellFormed(decodeEvent(Buffer.from(text), OPTIONS));
}

const key = (ref: InstanceRef) => `${ref.regionId}/${ref.instanceId}`;

describe('decoder properties', () => {
  it('decodeEnvelope throws only EventDecodeError, decodeEvent never throws, on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectOnlyDecodeErrors(value);
        expectDecodes(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('holds for anything, passed as is or turned into JSON', () => {
    const anything = fc.anything({
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withObjectString: true,
      key: fc.oneof(fc.string(), interesting),
    });
    fc.assert(
      fc.property(anything, (value) => {
        expectOnlyDecodeErrors(value);
        expectDecodes(JSON.stringify(value) ?? 'undefined');
      }),
      { numRuns: 300 },
    );
  });

  it('holds for mutated fixtures', () => {
    fc.assert(
      fc.property(mutatedFixture, (value) => {
        expectOnlyDecodeErrors(value);
        expectDecodes(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('holds for fixture text that is cut or spliced', () => {
    fc.assert(fc.property(mutatedText, expectDecodes), { numRuns: 300 });
  });

  it('decodes batch elements independently: a batch gives the union of its elements', () => {
    const element = mutatedFixture.filter((value) => !Array.isArray(value));
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 4 }), (elements) => {
        const batch = decodeEvent(JSON.stringify(elements), OPTIONS);
        const alone = elements.map((value) => decodeEvent(JSON.stringify(value), OPTIONS));
        const expected = new Map<string, InstanceRef>();
        for (const ref of alone.flatMap((result) => result.refs))
          if (!expected.has(key(ref))) expected.set(key(ref), ref);
        expect(batch.refs).toEqual([...expected.values()]);
        expect(batch.poison.map((p) => p.error.code)).toEqual(
          alone.flatMap((r) => r.poison.map((p) => p.error.code)),
        );
        expect(batch.ignored).toHaveLength(alone.reduce((n, r) => n + r.ignored.length, 0));
      }),
      { numRuns: 200 },
    );
  });
});
