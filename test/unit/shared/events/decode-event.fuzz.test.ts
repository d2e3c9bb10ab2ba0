import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import {
  encodeRecord,
  MAX_MESSAGE_BYTES,
  type PoisonRecord,
} from '../../../../shared/dead-letter/dead-letter-record.js';
import { type PoisonContext, poisonRecords } from '../../../../shared/dead-letter/poison-records.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';
import type { DecodedEvent } from '../../../../shared/events/decoded-event.js';
import { fixtureTexts, fuzzEvent, mutatedText } from './event-arbitraries.js';
import { expectWellFormed, OPTIONS } from './fixtures.js';

/**
 * The decoder fuzzed with 10,000 events (fast-check, and every fixture mutated: field deletion, type swaps, huge
 * strings, deep nesting, unicode, prototype keys): it never throws, every event yields refs, poison or ignored
 * entries (nothing vanishes), and every poison entry becomes dead-letter records that each fit one MNS message,
 * parse back with the record schema, and give redrive back every instance id the entry kept.
 */

const CONTEXT: PoisonContext = {
  fcRequestId: 'fuzz-1',
  accountId: '1234567890123456',
  regionId: 'cn-hangzhou',
  at: '2026-11-29T04:00:00.000Z',
};

/**
 * What the handler would do with the input's poison, and what redrive would get back from it. Plain checks,
 * `expect` only on a failure: this runs 10,000 times.
 */
function expectPoisonRecoverable(result: DecodedEvent): void {
  for (const poison of result.poison) {
    const read: PoisonRecord[] = poisonRecords(poison, CONTEXT).map((record) => {
      const body = encodeRecord(record);
      if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES)
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const message = readDeadLetterMessage(body);
      if (message.kind !== 'record' || message.record.kind !== 'poison') {
        expect.fail(`a poison record did not read back: ${JSON.stringify(message).slice(0, 300)}`);
      }
      return message.record;
    });
    if (poison.instances === undefined || poison.instances.length === 0) continue;
    const kept = new Set(poison.instances.map((i) => `${i.regionId ?? CONTEXT.regionId}/${i.instanceId}`));
    const replayed = decodeEvent(JSON.stringify(read), OPTIONS);
    const back = new Set(replayed.refs.map((ref) => `${ref.regionId}/${ref.instanceId}`));
    if (replayed.poison.length > 0 || back.size !== kept.size || [...kept].some((key) => !back.has(key))) {
      expect({ back: [...back], poison: replayed.poison }).toEqual({ back: [...kept], poison: [] });
    }
  }
}

function expectHandled(input: Buffer): void {
  const result = decodeEvent(input, OPTIONS);
  expectWellFormed(result);
  if (result.refs.length + result.poison.length + result.ignored.length === 0) {
    expect.fail(`nothing came of ${input.toString('utf8').slice(0, 300)}`);
  }
  expectPoisonRecoverable(result);
}

describe('decoder fuzz (10,000 events)', () => {
  it('8,000 fuzzed fixtures, batches of them and arbitrary JSON values', () => {
    fc.assert(
      fc.property(fuzzEvent, (value) => expectHandled(Buffer.from(JSON.stringify(value) ?? 'null'))),
      { numRuns: 8_000 },
    );
  }, 60_000);

  it('2,000 fixture texts cut or spliced (mostly not JSON)', () => {
    fc.assert(
      fc.property(mutatedText, (text) => expectHandled(Buffer.from(text))),
      { numRuns: 2_000 },
    );
  }, 60_000);

  it('every fixture text, as it is', () => {
    for (const text of fixtureTexts) expectHandled(Buffer.from(text));
  });
});
