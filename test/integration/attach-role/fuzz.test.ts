import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonRecords } from '../../../shared/dead-letter/poison-records.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import { fuzzEvent } from '../../unit/shared/events/event-arbitraries.js';
import { ACCOUNT, type Harness, instance, startHarness } from './harness.js';

/**
 * Fuzzed events (the decoder's own fuzz, 10,000 strong, is in test/unit/shared/events) through the real
 * handler against the emulators: no crash, no unhandled rejection, and every event ends as outcomes or poison
 * records — each instance the decoder found has its outcome, each poison entry its records in the dead-letter
 * queue — within the deadline (nothing dead-lettered as `deadline`).
 */

let h: Harness;
beforeAll(async () => {
  const payments = { team: 'payments', env: 'prod' };
  h = await startHarness({
    seed: {
      instances: [
        ...['01', '02', '03'].map((n) => instance(`i-bp1pay000000000000${n}`, payments)),
        ...['01', '02', '03'].map((n) => instance(`i-bp1web000000000000${n}`, { app: 'web' })),
        instance('i-uf6app00000000000001', payments, { region: 'cn-shanghai' }),
      ],
    },
    // Instances the fuzz makes up are not waited for as brand-new ones: they are simply not found.
    env: { NEW_INSTANCE_GRACE_SECONDS: '0' },
  });
});
afterAll(async () => {
  await h?.close();
});

const key = (r: { regionId: string; instanceId: string }) => `${r.regionId}/${r.instanceId}`;

describe('the handler on fuzzed events', () => {
  it('gives every event outcomes or poison records, within the deadline', async () => {
    const context = { fcRequestId: 'x', accountId: ACCOUNT, regionId: h.stack.region, at: '' };
    await fc.assert(
      fc.asyncProperty(fuzzEvent, async (value) => {
        const input = Buffer.from(JSON.stringify(value) ?? 'null');
        const decoded = decodeEvent(input, { defaultRegionId: h.stack.region, defaultAccountId: ACCOUNT });
        const before = h.stack.deadLetters().length;

        const summary = await h.invoke(input, { timeoutSeconds: 10 });

        expect(new Set(summary.results.map(key))).toEqual(new Set(decoded.refs.map(key)));
        const written = h.stack.deadLetters().slice(before);
        const poison = written.filter((r) => r.kind === 'poison');
        expect(poison).toHaveLength(decoded.poison.flatMap((p) => poisonRecords(p, context)).length);
        expect(written.filter((r) => r.kind === 'deadline')).toEqual([]);
        expect(summary.results.length + poison.length + decoded.ignored.length).toBeGreaterThan(0);
      }),
      { numRuns: 60, seed: 20261129 },
    );
  }, 120_000);
});
