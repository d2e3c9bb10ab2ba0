import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { ACCOUNT_ID, md5Upper, mnsClient, rejection } from './mns-test-helpers.js';

// Queue behaviour through the real @alicloud/mns SDK. Auth, faults and the call log: mns-emulator-auth.test.ts.

const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();
let emulator: MnsEmulator;
let client: ReturnType<typeof mnsClient>;
let queueNo = 0;
/** A fresh queue per test, so tests do not see each other's messages. */
let q: string;

beforeAll(async () => {
  emulator = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, queues: ['jobs'] });
  client = mnsClient(emulator.url, key);
});
afterAll(() => emulator.close());
beforeEach(() => {
  q = `q${++queueNo}`;
  emulator.createQueue(q);
});

describe('SendMessage', () => {
  it('sends with a long-term AccessKey', async () => {
    const sent = await client.sendMessage(q, { MessageBody: '{"jobId":"j-1","n":1}' });
    expect(sent.code).toBe(201);
    expect(sent.body?.MessageBodyMD5).toBe(md5Upper('{"jobId":"j-1","n":1}'));
    expect(sent.body?.MessageBodyMD5).toMatch(/^[0-9A-F]{32}$/);
    const [stored] = emulator.queue(q).peekAll();
    expect(stored).toMatchObject({
      messageId: sent.body?.MessageId,
      body: '{"jobId":"j-1","n":1}',
      state: 'visible',
    });
  });

  it('sends with STS credentials and their security token', async () => {
    const sent = await mnsClient(emulator.url, sts).sendMessage(q, { MessageBody: 'hello' });
    expect(sent.code).toBe(201);
    expect(emulator.queue(q).bodies()).toEqual(['hello']);
  });

  it('decodes XML entities in the body and escapes them again on the way out', async () => {
    await client.sendMessage(q, { MessageBody: 'a&lt;b &amp; "c" &#x4e2d;' });
    expect(emulator.queue(q).bodies()).toEqual(['a<b & "c" 中']);
    const received = await client.receiveMessage(q);
    expect(received.body?.MessageBody).toBe('a<b & "c" 中');
    expect(received.body?.MessageBodyMD5).toBe(md5Upper('a<b & "c" 中'));
  });

  it('refuses a body that breaks the XML (the SDK does not escape it) and stores nothing', async () => {
    const error = await rejection(client.sendMessage(q, { MessageBody: 'a<b & "c"' }));
    expect(error.name).toBe('MNSMalformedXMLError');
    expect(emulator.queue(q).size).toBe(0);
  });

  it('accepts 64 KB and refuses one byte more', async () => {
    expect((await client.sendMessage(q, { MessageBody: 'x'.repeat(65536) })).code).toBe(201);
    const error = await rejection(client.sendMessage(q, { MessageBody: 'x'.repeat(65537) }));
    expect(error.name).toBe('MNSInvalidArgumentError');
    expect(error.message).toContain('MessageBody');
    expect(emulator.queue(q).size).toBe(1);
  });

  it('answers QueueNotExist for an unknown queue', async () => {
    const error = await rejection(client.sendMessage('no-such-queue', { MessageBody: 'x' }));
    expect(error.name).toBe('MNSQueueNotExistError');
  });
});

describe('ReceiveMessage and DeleteMessage', () => {
  it('round-trips a message and deletes it', async () => {
    const sent = await client.sendMessage(q, { MessageBody: 'job-1' });
    const received = await client.receiveMessage(q);
    expect(received.code).toBe(200);
    expect(received.body).toMatchObject({
      MessageId: sent.body?.MessageId,
      MessageBody: 'job-1',
      DequeueCount: '1',
      Priority: '8',
    });
    expect(emulator.queue(q).peekAll()[0]).toMatchObject({ state: 'inFlight', dequeueCount: 1 });
    const handle = received.body?.ReceiptHandle ?? '';
    const deleted = await client.deleteMessage(q, handle);
    expect(deleted).toMatchObject({ code: 204, body: undefined });
    expect(emulator.queue(q).size).toBe(0);
    // Deleting again: the handle is gone.
    expect((await rejection(client.deleteMessage(q, handle))).name).toBe('MNSReceiptHandleErrorError');
  });

  it('throws MNSMessageNotExistError on an empty queue', async () => {
    const error = await rejection(client.receiveMessage(q));
    expect(error.name).toBe('MNSMessageNotExistError');
  });

  it('hands an in-flight message to no one else', async () => {
    await client.sendMessage(q, { MessageBody: 'once' });
    await client.receiveMessage(q);
    expect((await rejection(client.receiveMessage(q))).name).toBe('MNSMessageNotExistError');
  });

  it('peeks without receiving', async () => {
    await client.sendMessage(q, { MessageBody: 'look' });
    const peeked = await client.peekMessage(q);
    expect(peeked.body).toMatchObject({ MessageBody: 'look', DequeueCount: '0' });
    expect(peeked.body).not.toHaveProperty('ReceiptHandle');
    expect(emulator.queue(q).peekAll()[0]?.state).toBe('visible');
  });

  it('delivers higher priority (lower number) first', async () => {
    await client.sendMessage(q, { MessageBody: 'normal' });
    await client.sendMessage(q, { MessageBody: 'urgent', Priority: 1 });
    expect((await client.receiveMessage(q)).body?.MessageBody).toBe('urgent');
  });
});

describe('long polling', () => {
  it('wakes a waiting receiver as soon as a message arrives', async () => {
    // A 30 s poll (MNS's longest): only waking on the message ends it within the test's timeout.
    const waiting = client.receiveMessage(q, 30);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await client.sendMessage(q, { MessageBody: 'wake up' });
    const received = await waiting;
    expect(received.body?.MessageBody).toBe('wake up');
  });

  it('does not hand a message to a receiver that gave up waiting', async () => {
    const impatient = mnsClient(emulator.url, key, { readTimeout: 300 });
    const error = await rejection(impatient.receiveMessage(q, 2));
    expect(error.name).toBe('RequestTimeoutError');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.sendMessage(q, { MessageBody: 'for someone else' });
    expect(emulator.queue(q).peekAll()[0]).toMatchObject({ state: 'visible', dequeueCount: 0 });
  });

  it('answers MessageNotExist once the wait is over', async () => {
    const started = performance.now();
    const error = await rejection(client.receiveMessage(q, 1));
    expect(error.name).toBe('MNSMessageNotExistError');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('refuses a wait above 30 seconds', async () => {
    expect((await rejection(client.receiveMessage(q, 31))).name).toBe('MNSInvalidArgumentError');
  });

  it('returns an unacknowledged message to a waiting receiver when its visibility timeout ends', async () => {
    const short = `${q}-short`;
    emulator.createQueue(short, { visibilityTimeoutSeconds: 1 });
    await client.sendMessage(short, { MessageBody: 'retry me' });
    const first = await client.receiveMessage(short);
    const again = await client.receiveMessage(short, 2);
    expect(again.body).toMatchObject({ MessageId: first.body?.MessageId, DequeueCount: '2' });
    expect(again.body?.ReceiptHandle).not.toBe(first.body?.ReceiptHandle);
  });
});

describe('batches', () => {
  it('sends, receives and deletes up to 16 at a time', async () => {
    const sent = await client.batchSendMessage(q, [
      { MessageBody: 'a' },
      { MessageBody: 'b' },
      { MessageBody: 'c' },
    ]);
    expect(sent.code).toBe(201);
    expect(sent.body.map((entry) => entry.MessageBodyMD5)).toEqual(['a', 'b', 'c'].map(md5Upper));
    const received = await client.batchReceiveMessage(q, 16);
    expect(received.body.map((m) => m.MessageBody)).toEqual(['a', 'b', 'c']);
    const deleted = await client.batchDeleteMessage(
      q,
      received.body.map((m) => m.ReceiptHandle),
    );
    expect(deleted).toMatchObject({ code: 204, body: undefined });
    expect(emulator.queue(q).size).toBe(0);
  });

  it('reports the handles it could not delete and deletes the rest', async () => {
    await client.batchSendMessage(q, [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const received = await client.batchReceiveMessage(q, 2);
    const handles = received.body.map((m) => m.ReceiptHandle);
    const deleted = await client.batchDeleteMessage(q, [...handles, '1-c3RhbGU=']);
    expect(deleted.code).toBe(404);
    expect(deleted.body).toEqual([
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: expect.any(String), ReceiptHandle: '1-c3RhbGU=' },
    ]);
    expect(emulator.queue(q).size).toBe(0);
  });

  it('receives a batch with a long poll', async () => {
    const waiting = client.batchReceiveMessage(q, 16, 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.batchSendMessage(q, [{ MessageBody: 'x' }, { MessageBody: 'y' }]);
    expect((await waiting).body.map((m) => m.MessageBody)).toEqual(['x', 'y']);
  });

  it('refuses more than 16 messages, or more than 64 KB in all', async () => {
    const seventeen = Array.from({ length: 17 }, (_, i) => ({ MessageBody: `m${i}` }));
    expect((await rejection(client.batchSendMessage(q, seventeen))).name).toBe('MNSInvalidArgumentError');
    const big = [{ MessageBody: 'x'.repeat(40000) }, { MessageBody: 'y'.repeat(40000) }];
    expect((await rejection(client.batchSendMessage(q, big))).name).toBe('MNSInvalidArgumentError');
    expect((await rejection(client.batchReceiveMessage(q, 17))).name).toBe('MNSInvalidArgumentError');
    expect(emulator.queue(q).size).toBe(0);
  });
});

describe('queues', () => {
  it('creates a queue and reports its attributes as strings', async () => {
    const created = await client.createQueue(`${q}-new`, { VisibilityTimeout: 45 });
    expect(created.code).toBe(201);
    expect(created.headers.location).toBe(`${emulator.url}/queues/${q}-new`);
    await client.sendMessage(`${q}-new`, { MessageBody: 'm' });
    const attributes = await client.getQueueAttributes(`${q}-new`);
    expect(attributes.body).toMatchObject({
      QueueName: `${q}-new`,
      VisibilityTimeout: '45',
      ActiveMessages: '1',
    });
    expect((await client.createQueue(`${q}-new`, { VisibilityTimeout: 45 })).code).toBe(204);
    expect((await rejection(client.createQueue(`${q}-new`, { VisibilityTimeout: 60 }))).name).toBe(
      'MNSQueueAlreadyExistError',
    );
  });

  it('refuses an invalid queue name', async () => {
    expect((await rejection(client.createQueue('1bad'))).name).toBe('MNSInvalidQueueNameError');
  });

  it('exposes queues created up front and refuses a view of an unknown one', () => {
    expect(emulator.queue('jobs').name).toBe('jobs');
    expect(() => emulator.queue('nope')).toThrow(/no queue/);
  });
});

describe('visibility timeout (injected clock)', () => {
  let clock = Date.now();
  let timed: MnsEmulator;
  let timedClient: ReturnType<typeof mnsClient>;

  beforeAll(async () => {
    timed = await startMnsEmulator({
      credentials,
      accountId: ACCOUNT_ID,
      queues: ['work'],
      now: () => clock,
    });
    timedClient = mnsClient(timed.url, key);
  });
  afterAll(() => timed.close());

  it('brings an undeleted message back after the timeout, under a new handle, and retires the old one', async () => {
    await timedClient.sendMessage('work', { MessageBody: 'task' });
    const first = await timedClient.receiveMessage('work');
    expect(Number(first.body?.NextVisibleTime) - clock).toBe(30_000);
    clock += 29_000;
    expect((await rejection(timedClient.receiveMessage('work'))).name).toBe('MNSMessageNotExistError');
    clock += 1_001;
    const second = await timedClient.receiveMessage('work');
    expect(second.body).toMatchObject({ MessageId: first.body?.MessageId, DequeueCount: '2' });
    expect(second.body?.FirstDequeueTime).toBe(first.body?.FirstDequeueTime);
    const stale = await rejection(timedClient.deleteMessage('work', first.body?.ReceiptHandle ?? ''));
    expect(stale.name).toBe('MNSReceiptHandleErrorError');
    expect((await timedClient.deleteMessage('work', second.body?.ReceiptHandle ?? '')).code).toBe(204);
    expect(timed.queue('work').size).toBe(0);
  });

  it('refuses a handle once its message is visible again', async () => {
    await timedClient.sendMessage('work', { MessageBody: 'slow' });
    const received = await timedClient.receiveMessage('work');
    clock += 30_000;
    const late = await rejection(timedClient.deleteMessage('work', received.body?.ReceiptHandle ?? ''));
    expect(late.name).toBe('MNSReceiptHandleErrorError');
    await timedClient.deleteMessage(
      'work',
      (await timedClient.receiveMessage('work')).body?.ReceiptHandle ?? '',
    );
  });

  it('changes the visibility of an in-flight message and issues a new handle', async () => {
    await timedClient.sendMessage('work', { MessageBody: 'extend me' });
    const received = await timedClient.receiveMessage('work');
    const oldHandle = received.body?.ReceiptHandle ?? '';
    const changed = await timedClient.changeMessageVisibility('work', oldHandle, 120);
    expect(changed.code).toBe(200);
    expect(Number(changed.body?.NextVisibleTime)).toBe(clock + 120_000);
    expect(changed.body?.ReceiptHandle).not.toBe(oldHandle);
    clock += 60_000;
    expect((await rejection(timedClient.receiveMessage('work'))).name).toBe('MNSMessageNotExistError');
    expect((await rejection(timedClient.changeMessageVisibility('work', oldHandle, 5))).name).toBe(
      'MNSReceiptHandleErrorError',
    );
    clock += 60_000;
    const back = await timedClient.receiveMessage('work');
    expect(back.body).toMatchObject({ MessageBody: 'extend me', DequeueCount: '2' });
    await timedClient.deleteMessage('work', back.body?.ReceiptHandle ?? '');
  });

  it('refuses a visibility timeout out of range', async () => {
    await timedClient.sendMessage('work', { MessageBody: 'x' });
    const received = await timedClient.receiveMessage('work');
    const handle = received.body?.ReceiptHandle ?? '';
    expect((await rejection(timedClient.changeMessageVisibility('work', handle, 43201))).name).toBe(
      'MNSInvalidArgumentError',
    );
    await timedClient.deleteMessage('work', handle);
  });
});

describe('closing', () => {
  it('ends a pending long poll at once', async () => {
    const closing = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, queues: ['idle'] });
    // A 30 s poll: only close() ending it lets the test finish within its timeout.
    const waiting = rejection(mnsClient(closing.url, key).receiveMessage('idle', 30));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    const error = await waiting;
    expect(error.name).not.toBe('MNSMessageNotExistError');
    expect(closing.queue('idle').size).toBe(0);
  });
});
