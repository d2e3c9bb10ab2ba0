import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBatches } from '../../../../shared/dead-letter/dead-letter-queue.js';
import {
  type DeadLetterRecord,
  decodeRecordBody,
  encodeRecord,
  MAX_MESSAGE_BYTES,
} from '../../../../shared/dead-letter/dead-letter-record.js';

const record = (overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  kind: 'attach-failed',
  version: 1,
  at: '2026-11-29T04:00:00.000Z',
  accountId: '1234567890123456',
  regionId: 'cn-hangzhou',
  instanceId: 'i-bp1pay00000000000001',
  desiredRole: 'EcsPaymentsRole',
  currentRole: null,
  rule: 'payments',
  error: {
    code: 'InvalidRamRole.NotEcsRole',
    message: 'not an ECS role',
    class: 'permanent',
    requestId: 'R-1',
  },
  attempts: 1,
  source: { eventId: 'e-1', eventType: 'ecs:Instance:StateChange', fcRequestId: 'fc-1' },
  ...overrides,
});

describe('encodeRecord', () => {
  it('is base64 of the record JSON, round-tripping every field', () => {
    const body = encodeRecord(record());
    expect(body).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeRecordBody(body)).toEqual(record());
  });

  it('fits any poison event into one MNS message and says it was truncated', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 40_000, maxLength: 120_000 }), (text) => {
        const body = encodeRecord(record({ kind: 'poison', event: text }));
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
        const decoded = decodeRecordBody(body) as { event: unknown };
        if (Buffer.byteLength(JSON.stringify(text)) > 48_000) {
          expect(decoded.event).toMatchObject({ truncated: true, originalBytes: Buffer.byteLength(text) });
        }
      }),
      { numRuns: 20 },
    );
  });

  it('keeps a small poison event whole', () => {
    const event = { source: 'acs.ecs', data: { resourceId: 'i-abc"]; DROP' } };
    expect(decodeRecordBody(encodeRecord(record({ kind: 'poison', event })))).toMatchObject({ event });
  });

  it('cuts an overlong error message', () => {
    const decoded = decodeRecordBody(
      encodeRecord(record({ error: { code: 'X', message: 'm'.repeat(100_000), class: 'permanent' } })),
    ) as DeadLetterRecord;
    expect(decoded.error.message.length).toBeLessThanOrEqual(2_001);
  });
});

describe('packBatches', () => {
  it('packs at most 16 messages and 64 KB per batch, keeping order and every message', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30_000 }), { maxLength: 80 }), (sizes) => {
        const bodies = sizes.map((n, i) => `${i}:`.padEnd(n, 'x'));
        const batches = packBatches(bodies);
        expect(batches.flat()).toEqual(bodies);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(16);
          expect(batch.reduce((sum, b) => sum + Buffer.byteLength(b), 0)).toBeLessThanOrEqual(
            MAX_MESSAGE_BYTES,
          );
        }
      }),
    );
  });
});
