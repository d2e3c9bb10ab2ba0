import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { Deployment } from '../../../local/deployment/deployment.js';
import {
  type DeliveryRecord,
  type EventBridge,
  startEventBridge,
} from '../../../local/eventbridge-emulator/index.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import { FakeInvoker } from '../../unit/local/eventbridge-emulator/fake-invoker.js';
import {
  ACCOUNT_ID,
  bufferedDeployment,
  drainQueue,
  instanceOf,
  stateChange,
  streamTrigger,
} from './eventbridge-test-helpers.js';

// Event stream failures (buffered shape): retries per retryStrategy (waits × timeScale), then the dead-letter
// queue (errorsTolerance ALL) or a stopped stream (NONE). MNS is the real emulator, read back with @alicloud/mns.

const TIME_SCALE = 0.01; // BACKOFF_RETRY: 10–20 s → 100–200 ms
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
let mns: MnsEmulator;
let bridge: EventBridge | undefined;

beforeEach(async () => {
  mns = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, queues: bufferedDeployment().queues });
});
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await mns.close();
});

async function start(
  deployment: Deployment,
  invoker: FakeInvoker,
  records: DeliveryRecord[] = [],
  timeScale = TIME_SCALE,
) {
  bridge = await startEventBridge({
    deployment,
    invoker,
    mns: { endpoint: mns.url, accountId: ACCOUNT_ID, credentials: key },
    timeScale,
    onDelivery: (record) => records.push(record),
  });
  return bridge;
}

const sdk = () => new MNSClient(ACCOUNT_ID, { ...key, endpoint: mns.url });
const failing = () => new FakeInvoker(() => ({ ok: false, errorType: 'UnhandledInvocationError' }));

describe('a batch the function keeps failing', () => {
  it('is retried 3 times 10–20 s (scaled) apart, then its events go to the dead-letter queue', async () => {
    const deployment = bufferedDeployment({ batch: { maxEvents: 2, windowSeconds: 1 } });
    const trigger = streamTrigger(deployment);
    expect(trigger).toMatchObject({ retryStrategy: 'BACKOFF_RETRY', errorsTolerance: 'ALL' });
    const invoker = failing();
    const records: DeliveryRecord[] = [];
    const eb = await start(deployment, invoker, records);
    const events = [stateChange(1), stateChange(2, 'cn-shanghai')];
    for (const event of events) eb.publish(event);
    await eb.drain();

    // One batch of both events, invoked 4 times with the same payload.
    expect(invoker.calls).toHaveLength(4);
    const [first] = invoker.calls;
    expect(invoker.calls.every((c) => JSON.stringify(c.payload) === JSON.stringify(first?.payload))).toBe(
      true,
    );
    const gaps = invoker.calls.slice(1).map((c, i) => c.at - (invoker.calls[i]?.at ?? 0));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(95);
      expect(gap).toBeLessThan(600);
    }

    // The dead-letter queue holds each event as it was delivered, readable through the SDK.
    const dlq = trigger.deadLetterQueue?.name ?? '';
    expect(dlq).toBe('ram-role-attacher-events-dlq');
    const bodies = await drainQueue(sdk(), dlq);
    expect(bodies.map((b) => JSON.parse(b))).toEqual(first?.payload);
    const refs = bodies.flatMap((body) =>
      decodeEvent(body, { defaultRegionId: 'cn-hangzhou' }).refs.map((r) => `${r.regionId}/${r.instanceId}`),
    );
    expect(refs).toEqual([
      `cn-hangzhou/${instanceOf(events[0] ?? {})}`,
      `cn-shanghai/${instanceOf(events[1] ?? {})}`,
    ]);
    // … and the stream moved on: the buffer queue is empty.
    expect(mns.queue(trigger.queueName).size).toBe(0);
    expect(eb.stats().streams['buffered-events']).toMatchObject({
      batches: 1,
      invocations: 4,
      retries: 3,
      delivered: 0,
      failed: 2,
      deadLettered: 2,
      stopped: false,
    });
    expect(
      records.filter((r) => r.kind === 'batch').map((r) => r.kind === 'batch' && [r.attempt, r.ok]),
    ).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(records.at(-1)).toEqual({
      kind: 'dead-letter',
      route: 'buffered-events',
      queue: dlq,
      events: 2,
      ok: true,
    });

    // Later events are still delivered.
    invoker.respond = () => ({ ok: true });
    eb.publish(stateChange(3));
    await eb.drain();
    expect(invoker.calls).toHaveLength(5);
    expect(eb.stats().streams['buffered-events']).toMatchObject({ delivered: 1, batches: 2 });
  });

  it('is delivered and deleted when a retry succeeds, with nothing dead-lettered', async () => {
    const deployment = bufferedDeployment({ batch: { maxEvents: 1, windowSeconds: 0 } });
    let attempts = 0;
    const invoker = new FakeInvoker(() => {
      attempts++;
      if (attempts <= 2) return { ok: false, errorType: 'UnhandledInvocationError' };
      return { ok: true };
    });
    const eb = await start(deployment, invoker);
    eb.publish(stateChange(4));
    await eb.drain();
    expect(invoker.calls).toHaveLength(3);
    expect(mns.queue('ram-role-attacher-events').size).toBe(0);
    expect(mns.queue('ram-role-attacher-events-dlq').size).toBe(0);
    expect(eb.stats().streams['buffered-events']).toMatchObject({ retries: 2, delivered: 1, failed: 0 });
  });

  it('is retried per EXPONENTIAL_DECAY_RETRY: 1 s, 2 s, 4 s … apart (scaled)', async () => {
    const deployment = bufferedDeployment({
      retryStrategy: 'EXPONENTIAL_DECAY_RETRY',
      batch: { maxEvents: 1, windowSeconds: 0 },
    });
    let attempts = 0;
    const invoker = new FakeInvoker(() => ({ ok: ++attempts > 4 }));
    const eb = await start(deployment, invoker);
    eb.publish(stateChange(8));
    await eb.drain();
    const at = invoker.calls.map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    expect(gaps).toHaveLength(4);
    // 10, 20, 40, 80 ms at this scale; each wait at least its share, and they grow.
    [10, 20, 40, 80].forEach((min, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(min - 2);
    });
    expect(gaps[3] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
  });

  it('with errorsTolerance NONE stops the stream and leaves the messages in the queue', async () => {
    const deployment = bufferedDeployment({
      errorsTolerance: 'NONE',
      batch: { maxEvents: 5, windowSeconds: 1 },
    });
    const invoker = failing();
    const records: DeliveryRecord[] = [];
    const eb = await start(deployment, invoker, records);
    eb.publish(stateChange(9));
    eb.publish(stateChange(10));
    await eb.drain();

    expect(invoker.calls).toHaveLength(4);
    expect(eb.stats().streams['buffered-events']).toMatchObject({
      failed: 2,
      deadLettered: 0,
      stopped: true,
    });
    expect(records.at(-1)).toEqual({ kind: 'stream-stopped', route: 'buffered-events', events: 2 });
    expect(mns.queue('ram-role-attacher-events').size).toBe(2);
    expect(mns.queue('ram-role-attacher-events-dlq').size).toBe(0);

    // A stopped stream reads nothing more; the bus still fills the queue.
    eb.publish(stateChange(11));
    await eb.drain();
    expect(invoker.calls).toHaveLength(4);
    expect(mns.queue('ram-role-attacher-events').size).toBe(3);
  });

  it('with errorsTolerance ALL and no dead-letter queue drops the events and moves on', async () => {
    const deployment = bufferedDeployment({ batch: { maxEvents: 1, windowSeconds: 0 } });
    const trigger = streamTrigger(deployment);
    const { deadLetterQueue: _dropped, ...withoutDlq } = trigger;
    const noDlq: Deployment = {
      ...deployment,
      functions: deployment.functions.map((fn) =>
        fn.triggers.includes(trigger) ? { ...fn, triggers: [withoutDlq] } : fn,
      ),
    };
    const eb = await start(noDlq, failing());
    eb.publish(stateChange(12));
    await eb.drain();
    expect(mns.queue(trigger.queueName).size).toBe(0);
    expect(mns.queue('ram-role-attacher-events-dlq').size).toBe(0);
    expect(eb.stats().streams['buffered-events']).toMatchObject({
      failed: 1,
      deadLettered: 0,
      stopped: false,
    });
  });
});

describe('closing', () => {
  it('ends retry waits at once and leaves the unfinished batch in the queue', async () => {
    const deployment = bufferedDeployment({ batch: { maxEvents: 1, windowSeconds: 0 } });
    const invoker = failing();
    const eb = await start(deployment, invoker, [], 1);
    eb.publish(stateChange(13));
    const deadline = Date.now() + 3000;
    while (invoker.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Unscaled, the next retry would be 10–20 s away (BACKOFF_RETRY): close() finishing within the test's
    // timeout shows the wait was ended, not run out.
    await eb.close();
    bridge = undefined;
    expect(invoker.calls).toHaveLength(1);
    expect(mns.queue('ram-role-attacher-events').size).toBe(1);
  });
});
