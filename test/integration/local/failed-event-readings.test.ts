import { resolve } from 'node:path';
import MNSClient from '@alicloud/mns/lib/client.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type Deployment, loadDeployment } from '../../../local/deployment/deployment.js';
import {
  type AsyncInvocationTypeMeaning,
  type DeliveryRecord,
  type EventBridge,
  startEventBridge,
} from '../../../local/eventbridge-emulator/index.js';
import { type FcEmulator, startFcEmulator } from '../../../local/fc-emulator/index.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { readDeadLetterMessage } from '../../../shared/dead-letter/dead-letter-message.js';
import { decodeEvent } from '../../../shared/events/decode-event.js';
import { createFcInvoker } from '../../../shared/fc/fc-invoker.js';
import { setUpFanout } from '../../../tools/setup/failure-fanout.js';
import { ACCOUNT_ID, drainQueue, instanceOf, stateChange } from './eventbridge-test-helpers.js';

// What happens to an event the function fails on, under both readings of `asyncInvocationType`
// (docs/cloud-facts.md FT-1), in both deployment shapes, as s.yaml declares them: EventBridge, FC and MNS are the
// emulators, wired over HTTP through the official SDKs; the failure fan-out is what `npm run setup` makes. The
// function is one that fails every invocation (test/fixtures/fc-functions/broken).
//
//                      true means async                        true means sync
//   direct   (true)    async: FC retries, onFailure → topic     sync: EventBridge retries, then drops (FT-3)
//   buffered (false)   sync: stream retries → buffer DLQ        async: FC retries, onFailure → topic

const TIME_SCALE = 0.005; // EventBridge's 10–20 s retry waits → 50–100 ms; FC's 0.5 s, 1 s, 2 s → 2.5, 5, 10 ms
const BROKEN = resolve(import.meta.dirname, '../../fixtures/fc-functions/broken');

interface Stack {
  deployment: Deployment;
  mns: MnsEmulator;
  fc: FcEmulator;
  bridge: EventBridge;
  records: DeliveryRecord[];
  reader: MNSClient;
  /** Until nothing is in flight: EventBridge, FC's async queue, MNS topic deliveries. */
  settle(): Promise<void>;
}

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.bridge.close();
  await stack?.fc.close();
  await stack?.mns.close();
  stack = undefined;
});

async function start(
  shape: 'direct' | 'buffered',
  means: AsyncInvocationTypeMeaning,
  batch?: { maxEvents: number; windowSeconds: number },
): Promise<Stack> {
  const loaded = loadDeployment({
    accountId: ACCOUNT_ID,
    env: { DEPLOY_SHAPE: shape, FUNCTION_ROLE_ARN: `acs:ram::${ACCOUNT_ID}:role/ram-role-attacher` },
  });
  // attach-role as s.yaml deploys it (triggers, asyncInvokeConfig), its code replaced by one that always fails.
  const deployment: Deployment = {
    ...loaded,
    functions: loaded.functions
      .filter((fn) => fn.resource === 'attach-role')
      .map((fn) => ({
        ...fn,
        codeDir: BROKEN,
        triggers: fn.triggers.map((t) =>
          t.kind === 'mns-stream' && batch !== undefined ? { ...t, batch } : t,
        ),
      })),
  };
  const credentials = new CredentialStore();
  const key = credentials.issueAccessKey();
  const fanout = deployment.failures;
  const mns = await startMnsEmulator({
    credentials,
    accountId: ACCOUNT_ID,
    timeScale: TIME_SCALE,
    queues: deployment.queues.filter((q) => q !== fanout.retainedQueue && q !== fanout.alertQueue),
  });
  const reader = new MNSClient(ACCOUNT_ID, { ...key, endpoint: mns.url });
  await setUpFanout(reader, {
    region: deployment.region,
    accountId: ACCOUNT_ID,
    buffered: false,
    names: {
      ...fanout,
      alertLeaseQueue: '',
      sweepLeaseQueue: '',
      bufferQueue: '',
      bufferDeadLetterQueue: '',
    },
  });
  const fc = await startFcEmulator({
    functions: deployment.functions,
    credentials,
    accountId: ACCOUNT_ID,
    region: deployment.region,
    mns: { endpoint: mns.url },
    timeScale: TIME_SCALE,
  });
  const records: DeliveryRecord[] = [];
  const bridge = await startEventBridge({
    deployment,
    invoker: createFcInvoker({
      endpoint: fc.url,
      accountId: ACCOUNT_ID,
      region: deployment.region,
      credential: key,
    }),
    mns: { endpoint: mns.url, accountId: ACCOUNT_ID, credentials: key },
    timeScale: TIME_SCALE,
    asyncInvocationTypeMeans: means,
    onDelivery: (record) => records.push(record),
  });
  stack = {
    deployment,
    mns,
    fc,
    bridge,
    records,
    reader,
    settle: async () => {
      await bridge.drain();
      await fc.settled(20_000);
      await mns.idle();
    },
  };
  return stack;
}

/** What the retained queue (the one redrive reads) holds: FC onFailure records, by the instances they name. */
async function retainedFailures(s: Stack): Promise<string[]> {
  const bodies = await drainQueue(s.reader, s.deployment.failures.retainedQueue);
  return bodies.flatMap((body) => {
    const message = readDeadLetterMessage(body);
    expect(message.kind).toBe('fc-failure');
    if (message.kind !== 'fc-failure') return [];
    expect(message.record.condition).toBe('UnhandledInvocationError');
    return decodeEvent(message.record.requestPayload, { defaultRegionId: 'cn-hangzhou' }).refs.map(
      (r) => r.instanceId,
    );
  });
}

const attempts = (s: Stack) => s.fc.invocations.map((i) => [i.async ? 'async' : 'sync', i.outcome] as const);

describe('direct shape (asyncInvocationType: true), the function failing on the event', () => {
  it('true means async: FC retries it 3 times, then its onFailure record is held in the retained queue', async () => {
    const s = await start('direct', 'async');
    const event = stateChange(1);
    s.bridge.publish(event);
    await s.settle();

    expect(s.records.filter((r) => r.kind === 'invoke').map((r) => r.kind === 'invoke' && r.async)).toEqual([
      true,
    ]);
    expect(s.fc.asyncRequests.map((r) => [r.status, r.attempts, r.destination])).toEqual([
      ['failed', 4, 'sent'],
    ]);
    expect(await retainedFailures(s)).toEqual([instanceOf(event)]);
  });

  it('true means sync: EventBridge retries it 3 times, then DROPS it — nothing on the default bus can hold it', async () => {
    // The platform's behaviour, documented rather than fixed: retry and dead-letter settings are not applied to
    // triggers of the default bus (FT-3), and FC's async destinations apply to async invocations only. What
    // covers it: the function fails outright only when it cannot write its own dead-letter records (README,
    // "Deploying"), and the instance is examined again on its next event.
    const s = await start('direct', 'sync');
    s.bridge.publish(stateChange(2));
    await s.settle();

    expect(attempts(s)).toEqual([
      ['sync', 'error'],
      ['sync', 'error'],
      ['sync', 'error'],
      ['sync', 'error'],
    ]);
    expect(s.records.at(-1)).toMatchObject({
      kind: 'dropped',
      route: 'instance-running',
      async: false,
      attempts: 4,
    });
    expect(s.fc.asyncRequests).toEqual([]);
    expect(await retainedFailures(s)).toEqual([]);
  });
});

describe('buffered shape (asyncInvocationType: false), the function failing on a batch', () => {
  it('true means async, so false is sync: the stream retries the batch, then holds its events in the buffer DLQ', async () => {
    const s = await start('buffered', 'async');
    const events = [stateChange(3), stateChange(4, 'cn-shanghai')];
    for (const event of events) s.bridge.publish(event);
    await s.settle();

    expect(attempts(s).every(([mode]) => mode === 'sync')).toBe(true);
    const stream = s.bridge.stats().streams['buffered-events'];
    expect(stream).toMatchObject({ failed: 2, deadLettered: 2, retries: 3 * (stream?.batches ?? 0) });
    const held = await drainQueue(s.reader, 'ram-role-attacher-events-dlq');
    const refs = held.flatMap((body) =>
      decodeEvent(body, { defaultRegionId: 'cn-hangzhou' }).refs.map((r) => r.instanceId),
    );
    expect(refs.sort()).toEqual(events.map(instanceOf).sort());
    expect(s.fc.asyncRequests).toEqual([]);
  });

  it('true means sync, so false is async: FC retries the batch, then its onFailure record is held in the retained queue', async () => {
    const s = await start('buffered', 'sync');
    const events = [stateChange(5), stateChange(6, 'cn-shanghai')];
    for (const event of events) s.bridge.publish(event);
    await s.settle();

    // EventBridge counts FC's 202 as delivered and deletes the messages; FC's async queue has the batch.
    expect(s.records.filter((r) => r.kind === 'batch').every((r) => r.kind === 'batch' && r.async)).toBe(
      true,
    );
    expect(s.fc.asyncRequests.every((r) => r.status === 'failed' && r.destination === 'sent')).toBe(true);
    expect((await retainedFailures(s)).sort()).toEqual(events.map(instanceOf).sort());
    expect(s.mns.queue('ram-role-attacher-events').size).toBe(0);
    expect(s.mns.queue('ram-role-attacher-events-dlq').size).toBe(0);
  });

  it('…but a failed async batch whose onFailure record passes MNS’s 64 KB is not held: the record cannot be written', async () => {
    // Documents the limit (FT-15): an async push may carry up to 128 KB, an MNS message at most 64 KB, and what
    // FC does with a record too big for its destination is not documented. The emulator's FC tries, MNS
    // refuses, the record is lost. What covers it: the function fails a whole batch only when it cannot write
    // to MNS at all (per-instance failures are its own, small records), so the record's write would fail too.
    // One batch of all 30: it closes when the 30th arrives (the window, 20 s at this scale, is only a bound).
    const s = await start('buffered', 'sync', { maxEvents: 30, windowSeconds: 4_000 });
    const pad = 'p'.repeat(2_500);
    const events = Array.from({ length: 30 }, (_, i) => ({
      ...stateChange(100 + i),
      data: { ...(stateChange(100 + i).data as Record<string, unknown>), pad },
    }));
    for (const event of events) s.bridge.publish(event);
    await s.settle();

    // One push: about 85 KB, under the async limit; FC ran it, failed it 4 times, could not write the record.
    const pushes = s.records.filter((r) => r.kind === 'batch');
    expect(pushes.map((r) => r.kind === 'batch' && [r.events, r.async, r.ok])).toEqual([[30, true, true]]);
    expect(s.fc.asyncRequests.map((r) => [r.status, r.attempts, r.destination])).toEqual([
      ['failed', 4, 'failed'],
    ]);
    expect(await retainedFailures(s)).toEqual([]);
    expect(s.mns.queue('ram-role-attacher-events').size).toBe(0);
  });
});
