import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitBatch } from '../../../../local/eventbridge-emulator/batch-split.js';
import { invokesAsync } from '../../../../local/eventbridge-emulator/invocation-type.js';
import {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  payloadLimitBytes,
  SYNC_PAYLOAD_LIMIT_BYTES,
} from '../../../../local/fc-emulator/payload-limits.js';

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('asyncInvocationType, under each reading (cloud-facts FT-1)', () => {
  it('true is async when true means async, sync when true means sync; false the other way round', () => {
    expect(invokesAsync(true, 'async')).toBe(true);
    expect(invokesAsync(false, 'async')).toBe(false);
    expect(invokesAsync(true, 'sync')).toBe(false);
    expect(invokesAsync(false, 'sync')).toBe(true);
  });
});

describe('splitBatch: a batch cut to the payload limit of its invocation type (FT-13)', () => {
  it('FC’s own example: 100 messages of about 2 KB pushed asynchronously go in two parts', () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ i, pad: 'x'.repeat(2000) }));
    const parts = splitBatch(events, jsonBytes, payloadLimitBytes(true));
    expect(parts.map((p) => p.length)).toEqual([64, 36]);
    for (const part of parts) expect(jsonBytes(part)).toBeLessThanOrEqual(ASYNC_PAYLOAD_LIMIT_BYTES);
    // Synchronously they fit in one push.
    expect(splitBatch(events, jsonBytes, payloadLimitBytes(false))).toHaveLength(1);
    expect(SYNC_PAYLOAD_LIMIT_BYTES).toBe(32 * 1024 * 1024);
  });

  it('sends an event bigger than the limit on its own', () => {
    const events = [{ a: 1 }, { big: 'y'.repeat(300) }, { b: 2 }];
    expect(splitBatch(events, jsonBytes, 100).map((p) => p.length)).toEqual([1, 1, 1]);
  });

  it('keeps every event once, in order, each part within the limit unless it holds one event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 60 }),
        fc.integer({ min: 2, max: 400 }),
        (events, limit) => {
          const parts = splitBatch(events, jsonBytes, limit);
          expect(parts.flat()).toEqual(events);
          for (const part of parts) {
            expect(part.length).toBeGreaterThan(0);
            if (part.length > 1) expect(jsonBytes(part)).toBeLessThanOrEqual(limit);
          }
          // No two neighbours would have fitted together.
          for (let i = 1; i < parts.length; i++) {
            const joined = [...(parts[i - 1] ?? []), (parts[i] ?? [])[0]];
            expect(jsonBytes(joined)).toBeGreaterThan(limit);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
