import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pushedBodies } from '../../../../shared/alerts/alert-source.js';
import { recordDigest, SentLedger } from '../../../../shared/alerts/sent-ledger.js';

describe('SentLedger', () => {
  it('remembers a sent record until its time is up', () => {
    let now = 0;
    const ledger = new SentLedger({ ttlMs: 1_000, now: () => now });
    ledger.markSent(['a']);
    now = 999;
    expect(ledger.has('a')).toBe(true);
    now = 1_000;
    expect(ledger.has('a')).toBe(false);
  });

  it('keeps an undeleted handle only for a record it knows as sent, and forgets both together', () => {
    let now = 0;
    const ledger = new SentLedger({ ttlMs: 1_000, now: () => now });
    ledger.setUndeleted('never-sent', 'h0');
    ledger.markSent(['a']);
    ledger.setUndeleted('a', 'h1');
    ledger.setUndeleted('a', 'h2');
    expect(ledger.undeleted()).toEqual([{ digest: 'a', handle: 'h2' }]);
    now = 2_000;
    expect(ledger.undeleted()).toEqual([]);
  });

  it('holds at most maxEntries, forgetting the least recently marked first, whatever is marked', () => {
    const digest = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    fc.assert(
      fc.property(
        fc.array(fc.array(digest, { maxLength: 6 })),
        fc.integer({ min: 1, max: 6 }),
        (batches, max) => {
          const ledger = new SentLedger({ maxEntries: max });
          let order: string[] = [];
          for (const batch of batches) {
            ledger.markSent(batch);
            for (const d of batch) order = [...order.filter((o) => o !== d), d];
          }
          for (const d of order.slice(-max)) expect(ledger.has(d)).toBe(true);
          for (const d of order.slice(0, -max)) expect(ledger.has(d)).toBe(false);
        },
      ),
    );
  });
});

describe('recordDigest', () => {
  it('is the same for the queue copy and for either form of the push that woke the function', () => {
    const body = Buffer.from('{"kind":"attach-failed"}').toString('base64');
    const json = JSON.stringify({ TopicName: 'failures', Message: body, MessageId: 'm-1' });
    expect(pushedBodies(Buffer.from(body)).map(recordDigest)).toEqual([recordDigest(body)]);
    expect(pushedBodies(Buffer.from(json)).map(recordDigest)).toEqual([recordDigest(body)]);
    expect(pushedBodies(JSON.stringify({ triggerTime: 't', triggerName: 'sweep', payload: '' }))).toEqual([]);
  });
});
