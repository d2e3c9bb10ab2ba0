import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import type { Deployment } from '../../../local/deployment/deployment.js';
import { type EventBridge, startEventBridge } from '../../../local/eventbridge-emulator/index.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import { FakeInvoker, type Invocation } from '../../unit/local/eventbridge-emulator/fake-invoker.js';
import {
  ACCOUNT_ID,
  bufferedDeployment,
  fixture,
  instanceOf,
  runningEvent,
  stateChange,
  streamTrigger,
} from './eventbridge-test-helpers.js';

// Buffered shape: bus rules → MNS buffer queue (MNS emulator, @alicloud/mns) → event stream → the function in
// batches. The function is a fake invoker (FC is not the subject); MNS is the real emulator over HTTP.
// Failures, retries and dead-lettering: eventbridge-stream-failures.test.ts.

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
  timeScale = 0.25,
  asyncInvocationTypeMeans: 'async' | 'sync' = 'async',
) {
  bridge = await startEventBridge({
    deployment,
    invoker,
    asyncInvocationTypeMeans,
    mns: { endpoint: mns.url, accountId: ACCOUNT_ID, credentials: key },
    timeScale,
  });
  return bridge;
}

const sdk = () => new MNSClient(ACCOUNT_ID, { ...key, endpoint: mns.url });
const batchOf = (call: Invocation) => call.payload as Array<Record<string, unknown>>;
const refsOf = (calls: Invocation[]) =>
  calls.flatMap((call) => {
    const decoded = decodeEvent(JSON.stringify(call.payload), { defaultRegionId: 'cn-hangzhou' });
    expect(decoded.poison).toEqual([]);
    return decoded.refs.map((ref) => `${ref.regionId}/${ref.instanceId}/${ref.reason}`);
  });

describe('queue rules', () => {
  it('send each matching event, as JSON, to the buffer queue; nothing else', async () => {
    const deployment = bufferedDeployment({ enabled: false }); // keep the messages in the queue to look at
    const invoker = new FakeInvoker();
    const eb = await start(deployment, invoker);
    const matching = [
      runningEvent(),
      fixture('eb-actiontrail-tagresources.json'),
      fixture('variants/eb-tag-change.json'),
    ];
    const pending = fixture('eb-instance-state-pending.json'); // a state change, but not to Running: no rule
    for (const event of [
      fixture('ignored/disk-state-change.json'),
      pending,
      ...matching,
      fixture('timer.json'),
    ]) {
      eb.publish(event);
    }
    await eb.drain();

    const queue = deployment.queueRules[0]?.queueName ?? '';
    expect(queue).toBe('ram-role-attacher-events');
    // Read back through the SDK: MNS returns the unescaped JSON text.
    const peeked = await sdk().batchPeekMessage(queue, 16);
    expect(peeked.body.map((m) => JSON.parse(m.MessageBody))).toEqual(matching);
    expect(invoker.calls).toEqual([]);
    expect(eb.stats().rules).toEqual({
      'ram-role-attacher-instance-running': {
        target: 'queue',
        enabled: true,
        matched: 1,
        delivered: 1,
        failed: 0,
      },
      'ram-role-attacher-instance-running-cms': {
        target: 'queue',
        enabled: true,
        matched: 0,
        delivered: 0,
        failed: 0,
      },
      'ram-role-attacher-ecs-api-calls': {
        target: 'queue',
        enabled: true,
        matched: 1,
        delivered: 1,
        failed: 0,
      },
      'ram-role-attacher-tag-changes': {
        target: 'queue',
        enabled: true,
        matched: 1,
        delivered: 1,
        failed: 0,
      },
    });
    expect(eb.stats().streams['buffered-events']).toMatchObject({ enabled: false, received: 0 });
  });

  it('escape what would break the XML body, and count a refused send as failed', async () => {
    const deployment = bufferedDeployment({ enabled: false });
    const eb = await start(deployment, new FakeInvoker());
    const event = { ...runningEvent(), note: 'a<b & "c" > d' };
    eb.publish(event);
    eb.publish({ ...runningEvent(), padding: 'x'.repeat(70_000) }); // over 64 KB
    await eb.drain();
    expect(
      mns
        .queue('ram-role-attacher-events')
        .bodies()
        .map((b) => JSON.parse(b)),
    ).toEqual([event]);
    expect(eb.stats().rules['ram-role-attacher-instance-running']).toMatchObject({
      matched: 2,
      delivered: 1,
      failed: 1,
    });
  });
});

describe('event stream from the buffer queue', () => {
  it('delivers batches of at most maxEvents, synchronously, and deletes what the function took', async () => {
    const deployment = bufferedDeployment({ batch: { maxEvents: 3, windowSeconds: 2 } });
    const invoker = new FakeInvoker();
    const eb = await start(deployment, invoker); // window 2 s × 0.25
    const events = Array.from({ length: 7 }, (_, i) => stateChange(i));
    for (const event of events) eb.publish(event);
    eb.publish(fixture('variants/eb-actiontrail-stopinstance.json')); // matches no rule
    await eb.drain();

    expect(invoker.calls.map((c) => batchOf(c).length)).toEqual([3, 3, 1]);
    expect(
      invoker.calls.every((c) => !c.async && c.functionName === deployment.functions[0]?.functionName),
    ).toBe(true);
    for (const element of invoker.calls.flatMap(batchOf)) {
      expect(element).toMatchObject({
        source: 'acs:mns',
        type: 'mns:Queue:SendMessage',
        subject: `acs:mns:cn-hangzhou:${ACCOUNT_ID}:queues/ram-role-attacher-events`,
        data: { messageId: expect.any(String), messageBody: expect.any(String) },
      });
    }
    // The function decodes the batches into exactly the published instances.
    expect(refsOf(invoker.calls).sort()).toEqual(
      events.map((e) => `cn-hangzhou/${instanceOf(e)}/created`).sort(),
    );
    expect(mns.queue('ram-role-attacher-events').size).toBe(0);
    expect(eb.stats().streams['buffered-events']).toEqual({
      enabled: true,
      received: 7,
      batches: 3,
      invocations: 3,
      retries: 0,
      delivered: 7,
      failed: 0,
      deadLettered: 0,
      stopped: false,
    });
  });

  it('pushes a batch asynchronously when false means async, cut at 128 KB; whole when it is synchronous', async () => {
    // 60 events of about 3 KB: about 190 KB in one batch (cloud-facts FT-13).
    const padded = (n: number) => ({
      ...stateChange(n),
      data: { ...(stateChange(n).data as Record<string, unknown>), pad: 'q'.repeat(3_000) },
    });
    const events = Array.from({ length: 60 }, (_, i) => padded(i));
    const run = async (means: 'async' | 'sync') => {
      const invoker = new FakeInvoker();
      const eb = await start(
        bufferedDeployment({ batch: { maxEvents: 60, windowSeconds: 40 } }),
        invoker,
        0.25,
        means,
      );
      for (const event of events) eb.publish(event);
      await eb.drain();
      await eb.close();
      bridge = undefined;
      return invoker.calls;
    };

    const asyncCalls = await run('sync'); // true means sync, so the trigger's false is async
    expect(asyncCalls.every((c) => c.async)).toBe(true);
    expect(asyncCalls.length).toBeGreaterThan(1);
    for (const call of asyncCalls) {
      expect(Buffer.byteLength(JSON.stringify(call.payload))).toBeLessThanOrEqual(128 * 1024);
    }
    expect(asyncCalls.flatMap(batchOf)).toHaveLength(60);

    const syncCalls = await run('async');
    expect(syncCalls.map((c) => [c.async, batchOf(c).length])).toEqual([[false, 60]]);
  });

  it('sends a batch that is not full once the window since its first message has passed', async () => {
    const invoker = new FakeInvoker();
    const eb = await start(
      bufferedDeployment({ batch: { maxEvents: 100, windowSeconds: 2 } }),
      invoker,
      0.25,
    );
    const publishedAt = Date.now();
    eb.publish(stateChange(1));
    eb.publish(stateChange(2, 'cn-shanghai'));
    await eb.drain();

    expect(invoker.calls.map((c) => batchOf(c).length)).toEqual([2]);
    const waited = (invoker.calls[0]?.at ?? 0) - publishedAt;
    expect(waited).toBeGreaterThanOrEqual(450); // 2 s × 0.25, from the first message's arrival
    expect(waited).toBeLessThan(1500);
    expect(refsOf(invoker.calls).sort()).toEqual([
      `cn-hangzhou/${instanceOf(stateChange(1))}/created`,
      `cn-shanghai/${instanceOf(stateChange(2, 'cn-shanghai'))}/created`,
    ]);
  });

  it('base64-decodes message bodies when the trigger says IsBase64Decode, and passes others unchanged', async () => {
    const deployment = bufferedDeployment({
      isBase64Decode: true,
      batch: { maxEvents: 2, windowSeconds: 2 },
    });
    const invoker = new FakeInvoker();
    const eb = await start(deployment, invoker);
    const encoded = fixture('eb-actiontrail-runinstances.json');
    // Another producer writes base64 (as MNS recommends); the bus writes plain JSON.
    await sdk().sendMessage(streamTrigger(deployment).queueName, {
      MessageBody: Buffer.from(JSON.stringify(encoded)).toString('base64'),
    });
    eb.publish(stateChange(5));
    await eb.drain();

    const bodies = invoker.calls.flatMap(batchOf).map((e) => (e.data as { messageBody: string }).messageBody);
    expect(bodies.map((b) => JSON.parse(b))).toEqual([encoded, stateChange(5)]);
    expect(refsOf(invoker.calls)).toEqual(
      expect.arrayContaining([
        'cn-hangzhou/i-bp1web00000000000001/created',
        `cn-hangzhou/${instanceOf(stateChange(5))}/created`,
      ]),
    );
  });

  it('without IsBase64Decode hands a base64 body over as is (the function decodes it)', async () => {
    const deployment = bufferedDeployment({
      isBase64Decode: false,
      batch: { maxEvents: 1, windowSeconds: 0 },
    });
    const invoker = new FakeInvoker();
    const eb = await start(deployment, invoker);
    const b64 = Buffer.from(JSON.stringify(stateChange(6))).toString('base64');
    await sdk().sendMessage(streamTrigger(deployment).queueName, { MessageBody: b64 });
    await eb.drain();
    expect(
      invoker.calls.flatMap(batchOf).map((e) => (e.data as { messageBody: string }).messageBody),
    ).toEqual([b64]);
    expect(refsOf(invoker.calls)).toEqual([`cn-hangzhou/${instanceOf(stateChange(6))}/created`]);
  });

  it('delivers only each event’s data with eventSchema RawData', async () => {
    const deployment = bufferedDeployment({
      eventSchema: 'RawData',
      batch: { maxEvents: 1, windowSeconds: 0 },
    });
    const invoker = new FakeInvoker();
    const eb = await start(deployment, invoker);
    eb.publish(stateChange(7));
    await eb.drain();
    expect(invoker.calls.flatMap(batchOf)).toEqual([
      {
        requestId: expect.any(String),
        messageId: expect.any(String),
        messageBody: JSON.stringify(stateChange(7)),
      },
    ]);
    expect(refsOf(invoker.calls)).toEqual([`cn-hangzhou/${instanceOf(stateChange(7))}/created`]);
  });
});
