import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../../../shared/attach/ledger.js';
import { readDeadLetterMessage } from '../../../../shared/dead-letter/dead-letter-message.js';
import { packBatches } from '../../../../shared/dead-letter/dead-letter-queue.js';
import {
  DEAD_LETTER_KINDS,
  type DeadLetterRecord,
  decodeRecordBody,
  encodeRecord,
  INSTANCE_KINDS,
  type InstanceRecord,
  MAX_MESSAGE_BYTES,
  type PoisonRecord,
  parseRecord,
} from '../../../../shared/dead-letter/dead-letter-record.js';
import { poisonRecords } from '../../../../shared/dead-letter/poison-records.js';
import { EventDecodeError } from '../../../../shared/events/decode-error.js';
import type { InstanceRef } from '../../../../shared/events/instance-ref.js';

const record = (overrides: Partial<InstanceRecord> = {}): InstanceRecord => ({
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

const poison = (overrides: Partial<PoisonRecord> = {}): PoisonRecord => ({
  kind: 'poison',
  version: 1,
  at: '2026-11-29T04:00:00.000Z',
  accountId: '1234567890123456',
  regionId: 'cn-hangzhou',
  error: { code: 'InvalidEvent.InstanceId', message: 'bad id', class: 'permanent' },
  attempts: 1,
  source: { eventId: 'e-1', fcRequestId: 'fc-1' },
  ...overrides,
});

/** A record through an MNS message body and back, as the alert function and redrive read it. */
function throughMessage(value: DeadLetterRecord): DeadLetterRecord {
  const body = encodeRecord(value);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  const message = readDeadLetterMessage(body);
  if (message.kind !== 'record') throw new Error(`not read back as a record: ${JSON.stringify(message)}`);
  return message.record;
}

describe('the dead-letter record schema', () => {
  it('lists the kinds once: the instance kinds and poison', () => {
    expect(DEAD_LETTER_KINDS).toEqual([...INSTANCE_KINDS, 'poison']);
  });

  it.each(INSTANCE_KINDS)('round-trips a %s record through a message body, every field', (kind) => {
    const full = record({ kind, previousRole: 'EcsAppRole', currentRole: 'EcsAppRole' });
    expect(throughMessage(full)).toEqual(full);
    const minimal: InstanceRecord = {
      kind,
      version: 1,
      at: full.at,
      instanceId: full.instanceId,
      error: { code: 'X', message: 'y', class: 'retryable' },
      attempts: 0,
      source: { fcRequestId: 'fc-1' },
    };
    expect(throughMessage(minimal)).toStrictEqual(minimal);
  });

  it('round-trips a poison record: path, value, event, kept ids and part', () => {
    const full = poison({
      path: '/data/referencedResources/ACS::ECS::Instance/3',
      value: 'i-NOT-VALID',
      event: { id: 'e-1', data: { x: [1, 'two', null] } },
      instanceIds: ['i-bp1pay00000000000001', 'i-bp1pay00000000000002'],
      part: { index: 2, count: 3 },
    });
    expect(throughMessage(full)).toEqual(full);
    expect(throughMessage(poison())).toStrictEqual(poison());
  });

  it('refuses what is not a record, saying where', () => {
    const problems = (value: unknown) => {
      const parsed = parseRecord(value);
      return parsed.success ? [] : parsed.problems.map((p) => [p.path, p.problem]);
    };
    expect(problems({ ...record(), version: 2 })).toEqual([[['version'], 'value']]);
    expect(problems({ ...record(), kind: 'replay-me' })).toEqual([[['kind'], 'value']]);
    expect(problems({ ...record(), instanceId: 'i-BAD' })).toEqual([[['instanceId'], 'format']]);
    expect(problems({ ...record(), attempts: '1' })).toEqual([[['attempts'], 'type']]);
    const { instanceId: _id, ...noInstance } = record();
    expect(problems(noInstance)).toEqual([[['instanceId'], 'missing']]);
    expect(problems(poison({ instanceIds: ['i-bp1pay00000000000001', 'x'] }))).toEqual([
      [['instanceIds', 1], 'format'],
    ]);
    expect(problems({ ...record(), source: { fcRequestId: 'f', eventId: 'a\nFAKE' } })).toEqual([
      [['source', 'eventId'], 'format'],
    ]);
  });

  it('is what readDeadLetterMessage checks: a broken record is unreadable, with the reason', () => {
    const body = Buffer.from(JSON.stringify({ ...record(), instanceId: 'i-BAD' })).toString('base64');
    expect(readDeadLetterMessage(body)).toMatchObject({
      kind: 'unreadable',
      reason: 'not a valid dead-letter record: instanceId is not a valid ECS instance id',
    });
  });
});

const ID = fc.stringMatching(/^i-[a-z0-9]{8,32}$/);
const REGION = fc.constantFrom('cn-hangzhou', 'cn-shanghai', 'ap-southeast-1');
const ACCOUNT = fc.stringMatching(/^\d{1,20}$/);
const TOKEN = fc.stringMatching(/^[!-~]{1,40}$/);
/** Mostly short text, sometimes around the 2,000-character bound of an error message. */
const TEXT = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1_990, maxLength: 2_100 }) },
);

const ref: fc.Arbitrary<InstanceRef> = fc.record(
  {
    regionId: REGION,
    accountId: ACCOUNT,
    instanceId: ID,
    reason: fc.constantFrom('created', 'state-change', 'tag-change'),
    eventId: TOKEN,
    eventType: TOKEN,
  },
  { requiredKeys: ['regionId', 'instanceId', 'reason', 'eventId', 'eventType'] },
);

describe('every record the writers build parses back equal', () => {
  it('the ledger’s per-instance records', () => {
    const details = fc.record(
      {
        kind: fc.constantFrom(...INSTANCE_KINDS),
        info: fc.record(
          {
            code: TEXT,
            message: TEXT,
            errorClass: fc.constantFrom('retryable', 'permanent'),
            uncertain: fc.boolean(),
            requestId: TEXT,
          },
          { requiredKeys: ['code', 'message', 'errorClass', 'uncertain'] },
        ),
        attempts: fc.nat(50),
        desiredRole: fc.option(fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/)),
        currentRole: fc.option(fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/)),
        previousRole: fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/),
        rule: TEXT,
      },
      { requiredKeys: ['kind', 'info', 'attempts'] },
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(ref, { selector: (r) => `${r.regionId}/${r.instanceId}`, minLength: 1 }),
        fc.array(details),
        (refs, all) => {
          const ledger = new Ledger(refs, 'fc-1', () => 1_795_838_400_000);
          all.slice(0, refs.length).forEach((d, i) => {
            const r = refs[i] as InstanceRef;
            ledger.deadLetter(r.regionId, r.instanceId, d);
          });
          for (const written of ledger.deadLetters) {
            const back = throughMessage(written);
            // The one bound a writer can exceed: a long error message is cut to fit.
            expect(back).toEqual(
              written.error.message.length > 2_000
                ? { ...written, error: { ...written.error, message: back.error.message } }
                : written,
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the poison records of any poison entry', () => {
    const entry = fc.record(
      {
        code: fc.constantFrom('InvalidEvent.InstanceId', 'InvalidEvent.NotJson', 'InvalidEvent.TooLarge'),
        message: TEXT,
        path: fc.oneof(fc.constant(''), fc.string({ maxLength: 2_000 })),
        value: fc.anything(),
        event: fc.oneof(fc.jsonValue(), TEXT),
        instances: fc.array(
          fc.record(
            { instanceId: ID, regionId: REGION, accountId: ACCOUNT },
            { requiredKeys: ['instanceId'] },
          ),
          { maxLength: 3_000 },
        ),
        eventId: TOKEN,
        eventType: TOKEN,
      },
      { requiredKeys: ['code', 'message', 'path'] },
    );
    fc.assert(
      fc.property(entry, ({ code, message, path, value, ...rest }) => {
        const error = new EventDecodeError(
          code as `InvalidEvent.${string}`,
          message,
          path,
          value === undefined ? {} : { value },
        );
        const records = poisonRecords(
          { error, ...rest },
          {
            fcRequestId: 'fc-1',
            accountId: '1234567890123456',
            regionId: 'cn-hangzhou',
            at: '2026-11-29T04:00:00.000Z',
          },
        );
        for (const written of records) {
          const back = throughMessage(written);
          if (back.kind !== 'poison') throw new Error('kind changed');
          // Bounded fields come back bounded; everything else, equal. The event may be cut to fit.
          const { event, error: backError, path: backPath, value: backValue, ...others } = back;
          const { event: writtenEvent, error: writtenError, path: p, value: v, ...expected } = written;
          expect(others).toEqual(expected);
          expect(backError.code).toBe(writtenError.code);
          expect(writtenError.message.startsWith(backError.message.replace(/…$/, ''))).toBe(true);
          if (p !== undefined) expect(p.startsWith((backPath ?? '').replace(/…$/, ''))).toBe(true);
          if (v !== undefined) expect(v.startsWith((backValue ?? '').replace(/…$/, ''))).toBe(true);
          if (!(typeof event === 'object' && event !== null && 'truncated' in event)) {
            // JSON has no -0: the wire form of the written event is what must come back.
            expect(event).toEqual(
              writtenEvent === undefined ? undefined : JSON.parse(JSON.stringify(writtenEvent)),
            );
          }
        }
        const kept = new Set(
          (rest.instances ?? []).map(
            (i) => `${i.regionId ?? 'cn-hangzhou'}/${i.accountId ?? '1234567890123456'}/${i.instanceId}`,
          ),
        );
        const recorded = records.flatMap((r) =>
          (r.instanceIds ?? []).map((id) => `${r.regionId}/${r.accountId}/${id}`),
        );
        expect(new Set(recorded)).toEqual(kept);
        expect(recorded).toHaveLength(kept.size);
      }),
      { numRuns: 100 },
    );
  });
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
        const body = encodeRecord(poison({ event: text }));
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
    expect(decodeRecordBody(encodeRecord(poison({ event })))).toMatchObject({ event });
  });

  it('cuts an overlong error message', () => {
    const decoded = decodeRecordBody(
      encodeRecord(record({ error: { code: 'X', message: 'm'.repeat(100_000), class: 'permanent' } })),
    ) as DeadLetterRecord;
    expect(decoded.error.message.length).toBeLessThanOrEqual(2_001);
  });

  it('refuses, rather than cuts, ids that do not fit one message (poisonRecords splits them)', () => {
    const instanceIds = Array.from({ length: 5_000 }, (_, n) => `i-bp1h${String(n).padStart(16, '0')}`);
    expect(() => encodeRecord(poison({ instanceIds }))).toThrow(/more than the \d+ one MNS message holds/);
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
