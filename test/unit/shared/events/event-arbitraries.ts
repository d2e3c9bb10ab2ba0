/**
 * fast-check generators for events, shared by the decoder's property and fuzz tests and the handler fuzz: the
 * fixtures as they are, mutated at random places, and hostile strings.
 */
import fc from 'fast-check';
import { listFixtures, readFixture, readFixtureJson } from './fixtures.js';

export const JSON_FIXTURES = [
  ...listFixtures(),
  ...listFixtures('ignored/'),
  ...listFixtures('malformed/'),
  ...listFixtures('variants/'),
].filter((name) => name.endsWith('.json'));

export const fixtureValues = JSON_FIXTURES.map((name) => readFixtureJson(name));
export const fixtureTexts = [...JSON_FIXTURES, 'malformed/not-json.txt'].map((name) =>
  readFixture(name).toString('utf8'),
);

/** Strings that mean something to the decoder, or are built to hurt it. */
export const interesting = fc.constantFrom(
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
export const hostileString = fc.oneof(interesting, fc.string({ unit: 'binary', maxLength: 40 }));
export const replacement = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(...fixtureValues) },
);

export type Path = (string | number)[];

/** Every path to a value inside `value` (fixtures are small). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, index]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

export type Mutation =
  | { op: 'replace'; value: unknown }
  | { op: 'delete' }
  | { op: 'add-key'; key: string; value: unknown }
  | { op: 'wrap' };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), value: replacement }),
  fc.record({ op: fc.constant('delete' as const) }),
  fc.record({ op: fc.constant('add-key' as const), key: hostileString, value: replacement }),
  fc.record({ op: fc.constant('wrap' as const) }),
);

/** Applies `mutation` at `path` of a copy of `value` (own-property writes only: keys like `__proto__` included). */
export function mutate(value: unknown, path: Path, change: Mutation): unknown {
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
export const mutatedFixture: fc.Arbitrary<unknown> = fc
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
export const mutatedText = fc
  .tuple(fc.constantFrom(...fixtureTexts), fc.nat(), fc.nat(), hostileString)
  .map(([text, at, cut, insert]) => {
    const start = at % (text.length + 1);
    return text.slice(0, start) + insert + text.slice(start + (cut % 8));
  });

/** Keys that mean something to JavaScript objects: an event that uses them must not reach a prototype. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
];

/** Unicode that breaks naive code: lone surrogates, RTL override, line separators, emoji, NUL, BOM. */
const unicode = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.constantFrom(
    '\uD800',
    '\uDFFF',
    'i-bp1\u202epay',
    '\u2028\u2029',
    '😀i-bp1pay00000000000001',
    '\u0000',
    '\uFEFF',
  ),
);

/** Nesting around the decoder's depth limit (64), as arrays or objects. */
const deep = fc
  .tuple(fc.integer({ min: 1, max: 90 }), fc.boolean())
  .map(([depth, asArray]) =>
    JSON.parse(
      asArray ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
  );

/** Long strings, some of them instance-id-like: kept rare, they are slow. */
const huge = fc
  .tuple(
    fc.integer({ min: 600, max: 20_000 }),
    fc.constantFrom('i-', 'acs:ecs:cn-hangzhou:1:instance/i-', 'x'),
  )
  .map(([length, head]) => `${head}${'a'.repeat(length)}`);

/** What a fuzzed field becomes: another JSON type, a hostile or huge string, deep nesting, unicode, a fixture. */
const fuzzReplacement = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
    ),
  },
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: unicode },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.constantFrom(...fixtureValues) },
  { weight: 1, arbitrary: huge },
);

const fuzzMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), value: fuzzReplacement }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add-key' as const),
      key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString),
      value: fuzzReplacement,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const) }) },
);

/** Every fixture, 1–5 fuzz mutations (field deletion, type swaps, huge strings, deep nesting, unicode, prototype keys). */
export const fuzzedFixture: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.nat(fixtureValues.length - 1),
    fc.array(fc.tuple(fc.nat(), fuzzMutation), { minLength: 1, maxLength: 5 }),
  )
  .map(([index, changes]) => {
    let value: unknown = fixtureValues[index];
    for (const [pick, change] of changes) {
      const paths = pathsOf(value);
      value = mutate(value, paths[pick % paths.length] ?? [], change);
    }
    return value;
  });

/** A fuzzed event: mostly a fuzzed fixture, else a batch of them, or any JSON value. */
export const fuzzEvent: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fuzzedFixture },
  { weight: 2, arbitrary: fc.array(fuzzedFixture, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);
