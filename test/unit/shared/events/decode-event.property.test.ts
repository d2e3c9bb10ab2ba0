import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../../shared/events/decode-envelope.js';
import { EventDecodeError } from '../../../../shared/events/decode-error.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';
import { interesting, mutatedFixture, mutatedText } from './event-arbitraries.js';
import { expectWellFormed, OPTIONS } from './fixtures.js';

/**
 * Properties over arbitrary and mutated input: decodeEvent never throws, decodeEnvelope throws nothing but
 * EventDecodeError, and whatever comes out is well formed (valid ids and regions, unique refs, printable text).
 */

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
