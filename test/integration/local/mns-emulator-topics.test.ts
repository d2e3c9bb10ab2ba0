import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallLog } from '../../../local/call-log.js';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { ACCOUNT_ID, md5Upper, mnsClient, rejection } from './mns-test-helpers.js';

// Topics, subscriptions and publish through the real @alicloud/mns SDK. Its subscribe/unsubscribe/… are empty stubs
// in 1.2.0, so subscriptions go through the generic put/get/delete, as a setup script does.

const TIME_SCALE = 0.01;
const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();
const calls = new CallLog();
/** The emulator's clock for PublishTime and create times (real timers still drive retries). */
let clock = 1_700_000_000_000;
let emulator: MnsEmulator;
let client: ReturnType<typeof mnsClient>;
let n = 0;
/** A fresh topic per test. */
let t: string;

beforeAll(async () => {
  emulator = await startMnsEmulator({
    credentials,
    accountId: ACCOUNT_ID,
    topics: ['preset'],
    calls,
    timeScale: TIME_SCALE,
    now: () => clock,
  });
  client = mnsClient(emulator.url, key);
});
afterAll(() => emulator.close());
beforeEach(() => {
  t = `topic-${++n}`;
  clock += 60_000;
  emulator.faults.clear();
  calls.clear();
});

const queueEndpoint = (queue: string) => `acs:mns:cn-hangzhou:${ACCOUNT_ID}:queues/${queue}`;

interface SubscriptionFields {
  Endpoint?: string;
  FilterTag?: string;
  NotifyStrategy?: string;
  NotifyContentFormat?: string;
}

function subscriptionXml(fields: SubscriptionFields): Buffer {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Subscription xmlns="http://mns.aliyuncs.com/doc/v1/">${inner}</Subscription>`,
  );
}

/** Subscribe the way a setup script does with @alicloud/mns 1.2.0. */
function subscribe(topic: string, name: string, fields: SubscriptionFields, via = client) {
  return via.put(`/topics/${topic}/subscriptions/${name}`, 'Subscription', subscriptionXml(fields), [
    'location',
  ]);
}

/** A queue and a subscription of `topic` pushing to it. */
async function queueSubscription(
  topic: string,
  name: string,
  fields: Omit<SubscriptionFields, 'Endpoint'> = {},
) {
  const queue = `${topic}-${name}`;
  emulator.createQueue(queue);
  const answer = await subscribe(topic, name, { Endpoint: queueEndpoint(queue), ...fields });
  expect(answer.code).toBe(201);
  return queue;
}

/** Fails instead of hanging when `promise` does not settle within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A deliver callback that records payloads and fails its first `failures` calls. */
function recorder(failures = 0) {
  const payloads: Buffer[] = [];
  const times: number[] = [];
  let calls = 0;
  return {
    payloads,
    times,
    deliver: async (payload: Buffer) => {
      times.push(performance.now());
      if (++calls <= failures) throw new Error(`refused #${calls}`);
      payloads.push(payload);
    },
  };
}

describe('CreateTopic, GetTopicAttributes, SetTopicAttributes, ListTopic, DeleteTopic', () => {
  it('creates a topic once: 201 with Location, 204 with the same attributes, 409 with different ones', async () => {
    const created = await client.createTopic(t, { MaximumMessageSize: 2048 });
    expect(created).toEqual({
      code: 201,
      headers: { location: `${emulator.url}/topics/${t}` },
      body: undefined,
    });
    expect((await client.createTopic(t, { MaximumMessageSize: 2048 })).code).toBe(204);
    expect((await rejection(client.createTopic(t, { MaximumMessageSize: 4096 }))).name).toBe(
      'MNSTopicAlreadyExistError',
    );
    // Omitted attributes mean their defaults (65536): that differs too.
    expect((await rejection(client.createTopic(t))).name).toBe('MNSTopicAlreadyExistError');
    expect(emulator.topic(t).maximumMessageSize).toBe(2048);
    expect(calls.byAction('mns')).toEqual({ CreateTopic: 4 });
    expect(calls.count('CreateTopic', { status: 409, code: 'TopicAlreadyExist' })).toBe(2);
  });

  it('reports the attributes as strings and changes them with SetTopicAttributes', async () => {
    await client.createTopic(t, { LoggingEnabled: true });
    expect((await client.getTopicAttributes(t)).body).toEqual({
      TopicName: t,
      CreateTime: String(Math.floor(clock / 1000)),
      LastModifyTime: String(Math.floor(clock / 1000)),
      MaximumMessageSize: '65536',
      MessageRetentionPeriod: '86400',
      MessageCount: '0',
      LoggingEnabled: 'True',
    });
    expect(
      (await client.setTopicAttributes(t, { MaximumMessageSize: 1024, LoggingEnabled: 'False' })).code,
    ).toBe(204);
    expect((await client.getTopicAttributes(t)).body).toMatchObject({
      MaximumMessageSize: '1024',
      LoggingEnabled: 'False',
    });
    expect((await rejection(client.createTopic(`${t}-big`, { MaximumMessageSize: 65537 }))).name).toBe(
      'MNSInvalidArgumentError',
    );
    expect((await rejection(client.createTopic('-bad-name'))).name).toBe('MNSInvalidArgumentError');
  });

  it('lists topics by prefix, one page at a time', async () => {
    for (const suffix of ['a', 'b', 'c']) await client.createTopic(`${t}-${suffix}`);
    const all = await client.listTopic();
    expect(all.body?.map((entry) => entry.TopicURL)).toEqual(
      expect.arrayContaining([`${emulator.url}/topics/preset`, `${emulator.url}/topics/${t}-a`]),
    );
    const first = await client.listTopic('', 2, `${t}-`);
    expect(first.body).toEqual([
      { TopicURL: `${emulator.url}/topics/${t}-a` },
      { TopicURL: `${emulator.url}/topics/${t}-b` },
    ]);
    // listTopic drops NextMarker; the generic call keeps it.
    const raw = await client.get('/topics', 'Topics', {
      headers: { 'x-mns-prefix': `${t}-`, 'x-mns-ret-number': 2 },
    });
    expect(raw.body?.NextMarker).toBe(`${t}-c`);
    const rest = await client.listTopic(`${t}-c`, 2, `${t}-`);
    expect(rest.body).toEqual([{ TopicURL: `${emulator.url}/topics/${t}-c` }]);
    expect((await rejection(client.listTopic('', 1001, ''))).name).toBe('MNSInvalidArgumentError');
  });

  it('deletes a topic with its subscriptions (204 even when it is gone)', async () => {
    await client.createTopic(t);
    await queueSubscription(t, 'sub');
    expect((await client.delete(`/topics/${t}`, 'Topic', '')).code).toBe(204);
    expect((await client.delete(`/topics/${t}`, 'Topic', '')).code).toBe(204);
    expect((await rejection(client.getTopicAttributes(t))).name).toBe('MNSTopicNotExistError');
    expect(() => emulator.topic(t)).toThrow(/no topic/);
    // Created again, it starts without the old subscription.
    await client.createTopic(t);
    await client.publishMessage(t, { MessageBody: 'after' });
    expect(emulator.queue(`${t}-sub`).size).toBe(0);
  });

  it('creates the topics of the `topics` option up front, and more through the emulator API', async () => {
    expect((await client.getTopicAttributes('preset')).body?.TopicName).toBe('preset');
    emulator.createTopic(t, { maximumMessageSize: 1024 });
    expect((await client.getTopicAttributes(t)).body?.MaximumMessageSize).toBe('1024');
  });
});

describe('PublishMessage', () => {
  it('answers 201 with the MessageId and the body MD5, and counts the message', async () => {
    await client.createTopic(t);
    const sent = await client.publishMessage(t, { MessageBody: '{"instanceId":"i-1"}' });
    expect(sent.code).toBe(201);
    expect(sent.body?.MessageBodyMD5).toBe(md5Upper('{"instanceId":"i-1"}'));
    expect(sent.body?.MessageId).toMatch(/^[0-9A-F]{16}-1-[0-9A-F]+-\d{9}$/);
    const view = emulator.topic(t);
    expect(view.published).toBe(1);
    expect(view.messages()).toEqual([
      {
        messageId: sent.body?.MessageId,
        body: '{"instanceId":"i-1"}',
        bodyMd5: sent.body?.MessageBodyMD5,
        tag: undefined,
        publishTime: clock,
      },
    ]);
    expect(calls.records.at(-1)).toMatchObject({
      service: 'mns',
      action: 'PublishMessage',
      status: 201,
      accessKeyId: key.accessKeyId,
      params: { topic: t },
    });
  });

  it('answers TopicNotExist for an unknown topic', async () => {
    const error = await rejection(client.publishMessage('no-such-topic', { MessageBody: 'x' }));
    expect(error.name).toBe('MNSTopicNotExistError');
    expect(error.message).toContain('failed with 404');
    expect((await rejection(client.getTopicAttributes('no-such-topic'))).name).toBe('MNSTopicNotExistError');
    expect((await rejection(subscribe('no-such-topic', 's', { Endpoint: queueEndpoint('q') }))).name).toBe(
      'MNSTopicNotExistError',
    );
  });

  it("refuses a body above the topic's MaximumMessageSize, and a body that breaks the XML", async () => {
    await client.createTopic(t, { MaximumMessageSize: 1024 });
    expect((await client.publishMessage(t, { MessageBody: 'x'.repeat(1024) })).code).toBe(201);
    const error = await rejection(client.publishMessage(t, { MessageBody: 'x'.repeat(1025) }));
    expect(error.name).toBe('MNSInvalidArgumentError');
    expect(error.message).toContain('MessageBody');
    expect((await rejection(client.publishMessage(t, { MessageBody: 'a<b' }))).name).toBe(
      'MNSMalformedXMLError',
    );
    expect(emulator.topic(t).published).toBe(1);
  });
});

describe('Subscribe, GetSubscriptionAttributes, ListSubscriptionByTopic, Unsubscribe', () => {
  it('subscribes through the generic put: 201 with Location, 204 when the same, 409 when different', async () => {
    await client.createTopic(t);
    emulator.createQueue(`${t}-q`);
    const fields = { Endpoint: queueEndpoint(`${t}-q`), NotifyContentFormat: 'SIMPLIFIED' };
    const created = await subscribe(t, 'to-queue', fields);
    expect(created).toEqual({
      code: 201,
      headers: { location: `${emulator.url}/topics/${t}/subscriptions/to-queue` },
      body: undefined,
    });
    expect((await subscribe(t, 'to-queue', fields)).code).toBe(204);
    const conflict = await rejection(subscribe(t, 'to-queue', { ...fields, FilterTag: 'other' }));
    expect(conflict.name).toBe('MNSSubscriptionAlreadyExistError');
    expect(
      (await rejection(subscribe(t, 'to-queue', { ...fields, NotifyStrategy: 'EXPONENTIAL_DECAY_RETRY' })))
        .name,
    ).toBe('MNSSubscriptionAlreadyExistError');
    // Omitting NotifyContentFormat means XML: a different subscription.
    expect((await rejection(subscribe(t, 'to-queue', { Endpoint: fields.Endpoint }))).name).toBe(
      'MNSSubscriptionAlreadyExistError',
    );
    expect(calls.count('Subscribe', { status: 409, code: 'SubscriptionAlreadyExist' })).toBe(3);
    expect(calls.records[1]).toMatchObject({
      action: 'Subscribe',
      params: { topic: t, subscription: 'to-queue' },
    });
  });

  it('reports a subscription with every documented attribute', async () => {
    await client.createTopic(t);
    await queueSubscription(t, 'full', {
      FilterTag: 'important',
      NotifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      NotifyContentFormat: 'JSON',
    });
    const got = await client.get(`/topics/${t}/subscriptions/full`, 'Subscription');
    expect(got.body).toEqual({
      SubscriptionName: 'full',
      Subscriber: ACCOUNT_ID,
      TopicOwner: ACCOUNT_ID,
      TopicName: t,
      Endpoint: queueEndpoint(`${t}-full`),
      NotifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      NotifyContentFormat: 'JSON',
      FilterTag: 'important',
      CreateTime: String(Math.floor(clock / 1000)),
      LastModifyTime: String(Math.floor(clock / 1000)),
    });
    const defaults = await queueSubscription(t, 'defaults');
    expect((await client.get(`/topics/${t}/subscriptions/defaults`, 'Subscription')).body).toMatchObject({
      Endpoint: queueEndpoint(defaults),
      NotifyStrategy: 'BACKOFF_RETRY',
      NotifyContentFormat: 'XML',
    });
    expect((await client.get(`/topics/${t}/subscriptions/defaults`, 'Subscription')).body).not.toHaveProperty(
      'FilterTag',
    );
  });

  it('changes the NotifyStrategy with SetSubscriptionAttributes', async () => {
    await client.createTopic(t);
    await queueSubscription(t, 's');
    const changed = await client.put(
      `/topics/${t}/subscriptions/s?metaoverride=true`,
      'Subscription',
      subscriptionXml({ NotifyStrategy: 'EXPONENTIAL_DECAY_RETRY' }),
    );
    expect(changed.code).toBe(204);
    expect(emulator.topic(t).subscription('s').notifyStrategy).toBe('EXPONENTIAL_DECAY_RETRY');
    expect(calls.count('SetSubscriptionAttributes', { status: 204 })).toBe(1);
  });

  it('lists subscriptions by prefix, one page at a time', async () => {
    await client.createTopic(t);
    for (const name of ['a1', 'a2', 'a3', 'b1']) await queueSubscription(t, name);
    const url = (name: string) => ({ SubscriptionURL: `${emulator.url}/topics/${t}/subscriptions/${name}` });
    const first = await client.get(`/topics/${t}/subscriptions`, 'Subscriptions', {
      headers: { 'x-mns-prefix': 'a', 'x-mns-ret-number': 2 },
    });
    expect(first.body).toEqual({ Subscription: [url('a1'), url('a2')], NextMarker: 'a3' });
    const next = await client.get(`/topics/${t}/subscriptions`, 'Subscriptions', {
      headers: { 'x-mns-prefix': 'a', 'x-mns-ret-number': 2, 'x-mns-marker': 'a3' },
    });
    expect(next.body).toEqual({ Subscription: [url('a3')] });
    const all = await client.get(`/topics/${t}/subscriptions`, 'Subscriptions');
    expect(all.body?.Subscription).toHaveLength(4);
  });

  it('unsubscribes (204, also for a subscription that is gone) and stops pushing', async () => {
    await client.createTopic(t);
    const queue = await queueSubscription(t, 'gone', { NotifyContentFormat: 'SIMPLIFIED' });
    expect((await client.delete(`/topics/${t}/subscriptions/gone`, 'Subscription', '')).code).toBe(204);
    expect((await client.delete(`/topics/${t}/subscriptions/gone`, 'Subscription', '')).code).toBe(204);
    const missing = await rejection(client.get(`/topics/${t}/subscriptions/gone`, 'Subscription'));
    expect(missing.name).toBe('MNSSubscriptionNotExistError');
    await client.publishMessage(t, { MessageBody: 'nobody listens' });
    expect(emulator.queue(queue).size).toBe(0);
    expect(calls.count('Unsubscribe', { status: 204 })).toBe(2);
  });

  it('accepts both queue endpoint forms and refuses what it cannot push to', async () => {
    await client.createTopic(t);
    emulator.createQueue(`${t}-q`);
    const slash = `acs:mns:cn-shanghai:${ACCOUNT_ID}:/queues/${t}-q`;
    expect((await subscribe(t, 'slash', { Endpoint: slash })).code).toBe(201);
    const refused = [
      { Endpoint: `acs:mns:cn-hangzhou:999:queues/${t}-q` },
      { Endpoint: 'http://example.com/notify' },
      { Endpoint: queueEndpoint(`${t}-q`), FilterTag: 'x'.repeat(17) },
      { Endpoint: queueEndpoint(`${t}-q`), NotifyContentFormat: 'STREAM' },
      { Endpoint: queueEndpoint(`${t}-q`), NotifyStrategy: 'NEVER' },
      { FilterTag: 'no-endpoint' },
    ];
    for (const fields of refused) {
      expect((await rejection(subscribe(t, 'refused', fields))).name).toBe('MNSInvalidArgumentError');
    }
    expect(
      emulator
        .topic(t)
        .subscriptions()
        .map((s) => s.name),
    ).toEqual(['slash']);
  });
});

describe('notifications to queues (NotifyContentFormat)', () => {
  it('SIMPLIFIED: the queue message body is the published MessageBody as is', async () => {
    await client.createTopic(t);
    const queue = await queueSubscription(t, 'plain', { NotifyContentFormat: 'SIMPLIFIED' });
    await client.publishMessage(t, { MessageBody: '{"a":1} &amp; more', MessageTag: 'tagged' });
    const received = await client.receiveMessage(queue);
    expect(received.body?.MessageBody).toBe('{"a":1} & more');
    expect(received.body?.MessageBodyMD5).toBe(md5Upper('{"a":1} & more'));
  });

  it('XML: the documented <Notification> document, MessageTag included when the message has one', async () => {
    await client.createTopic(t);
    const queue = await queueSubscription(t, 'xml-sub', { NotifyContentFormat: 'XML' });
    const sent = await client.publishMessage(t, { MessageBody: 'x &lt; y', MessageTag: 'important' });
    const id = sent.body?.MessageId;
    const expected =
      '<?xml version="1.0" encoding="utf-8"?>\n' +
      '<Notification xmlns="http://mns.aliyuncs.com/doc/v1/">' +
      `<TopicOwner>${ACCOUNT_ID}</TopicOwner><TopicName>${t}</TopicName>` +
      `<Subscriber>${ACCOUNT_ID}</Subscriber><SubscriptionName>xml-sub</SubscriptionName>` +
      `<MessageId>${id}</MessageId><Message>x &lt; y</Message><MessageMD5>${md5Upper('x < y')}</MessageMD5>` +
      `<MessageTag>important</MessageTag><PublishTime>${clock}</PublishTime></Notification>`;
    expect((await client.receiveMessage(queue)).body?.MessageBody).toBe(expected);

    const untagged = await client.publishMessage(t, { MessageBody: 'plain' });
    const body = (await client.receiveMessage(queue)).body?.MessageBody;
    expect(body).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<Notification xmlns="http://mns.aliyuncs.com/doc/v1/">' +
        `<TopicOwner>${ACCOUNT_ID}</TopicOwner><TopicName>${t}</TopicName>` +
        `<Subscriber>${ACCOUNT_ID}</Subscriber><SubscriptionName>xml-sub</SubscriptionName>` +
        `<MessageId>${untagged.body?.MessageId}</MessageId><Message>plain</Message>` +
        `<MessageMD5>${md5Upper('plain')}</MessageMD5><PublishTime>${clock}</PublishTime></Notification>`,
    );
  });

  it('JSON: the same fields as one JSON object, PublishTime a string; a Base64 body is passed on as is', async () => {
    await client.createTopic(t);
    const queue = await queueSubscription(t, 'json-sub', { NotifyContentFormat: 'JSON' });
    const encoded = Buffer.from('{"instanceId":"i-1"}').toString('base64');
    const sent = await client.publishMessage(t, { MessageBody: encoded, MessageTag: 'dead-letter' });
    const body = (await client.receiveMessage(queue)).body?.MessageBody;
    expect(body).toBe(
      `{"TopicOwner":"${ACCOUNT_ID}","TopicName":"${t}","Subscriber":"${ACCOUNT_ID}",` +
        `"SubscriptionName":"json-sub","MessageId":"${sent.body?.MessageId}","Message":"${encoded}",` +
        `"MessageMD5":"${md5Upper(encoded)}","MessageTag":"dead-letter","PublishTime":"${clock}"}`,
    );
  });

  it("honours the queue's 64 KB limit: a notification above it fails and is retried, SIMPLIFIED fits", async () => {
    await client.createTopic(t);
    const xmlQueue = await queueSubscription(t, 'xml', { NotifyContentFormat: 'XML' });
    const plainQueue = await queueSubscription(t, 'plain', { NotifyContentFormat: 'SIMPLIFIED' });
    await client.publishMessage(t, { MessageBody: 'x'.repeat(65536) });
    expect(emulator.queue(plainQueue).size).toBe(1);
    await within(emulator.topic(t).drain(), 3000, 'the retries');
    expect(emulator.queue(xmlQueue).size).toBe(0);
    expect(emulator.topic(t).subscription('xml').stats).toEqual({
      delivered: 0,
      failedAttempts: 4,
      retries: 3,
      exhausted: 1,
      pending: 0,
    });
    expect(emulator.topic(t).subscription('xml').attempts()[0]?.error).toMatch(/above the queue's 65536/);
  });
});

describe('routing', () => {
  it('FilterTag: tagged subscriptions get their tag only; untagged ones get every message', async () => {
    await client.createTopic(t);
    const fmt = { NotifyContentFormat: 'SIMPLIFIED' };
    const red = await queueSubscription(t, 'red', { ...fmt, FilterTag: 'red' });
    const blue = await queueSubscription(t, 'blue', { ...fmt, FilterTag: 'blue' });
    const all = await queueSubscription(t, 'all', fmt);
    await client.publishMessage(t, { MessageBody: 'no tag' });
    await client.publishMessage(t, { MessageBody: 'red one', MessageTag: 'red' });
    await client.publishMessage(t, { MessageBody: 'green one', MessageTag: 'green' });
    expect(emulator.queue(red).bodies()).toEqual(['red one']);
    expect(emulator.queue(blue).bodies()).toEqual([]);
    expect(emulator.queue(all).bodies()).toEqual(['no tag', 'red one', 'green one']);
  });

  it('fans one message out to every subscription, queues and functions alike', async () => {
    await client.createTopic(t);
    const queues = await Promise.all(
      ['q1', 'q2', 'q3'].map((name) => queueSubscription(t, name, { NotifyContentFormat: 'SIMPLIFIED' })),
    );
    const fn = recorder();
    emulator.subscribeFunction(t, 'fn', { deliver: fn.deliver });
    await client.publishMessage(t, { MessageBody: 'to everyone' });
    // Queues get their copy before the 201.
    for (const queue of queues) expect(emulator.queue(queue).bodies()).toEqual(['to everyone']);
    await within(emulator.idle(), 2000, 'the function delivery');
    expect(fn.payloads.map((p) => p.toString('utf8'))).toEqual(['to everyone']);
    expect(emulator.topic(t).stats).toEqual({
      delivered: 4,
      failedAttempts: 0,
      retries: 0,
      exhausted: 0,
      pending: 0,
    });
  });
});

describe('function subscriptions (FC MNS topic trigger)', () => {
  it('STREAM hands over the message body bytes; JSON the documented event', async () => {
    await client.createTopic(t);
    const stream = recorder();
    const json = recorder();
    emulator.subscribeFunction(t, 'stream', { notifyContentFormat: 'STREAM', deliver: stream.deliver });
    emulator.subscribeFunction(t, 'json', { notifyContentFormat: 'JSON', deliver: json.deliver });
    const sent = await client.publishMessage(t, { MessageBody: 'héllo &amp; bye' });
    await within(emulator.topic(t).drain(), 2000, 'the deliveries');
    expect(stream.payloads).toEqual([Buffer.from('héllo & bye', 'utf8')]);
    expect(json.payloads.map((p) => p.toString('utf8'))).toEqual([
      `{"TopicOwner":"${ACCOUNT_ID}","Message":"héllo & bye","Subscriber":"${ACCOUNT_ID}",` +
        `"PublishTime":${clock},"SubscriptionName":"json","MessageMD5":"${md5Upper('héllo & bye')}",` +
        `"TopicName":"${t}","MessageId":"${sent.body?.MessageId}"}`,
    ]);
  });

  it('filters by tag, shows through the API, and delivers in the background', async () => {
    await client.createTopic(t);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const got: string[] = [];
    const view = emulator.subscribeFunction(t, 'tagged', {
      notifyContentFormat: 'JSON',
      filterTag: 'alert',
      deliver: async (payload) => {
        await gate;
        got.push((JSON.parse(payload.toString('utf8')) as { MessageTag?: string }).MessageTag ?? '');
      },
    });
    expect(view).toMatchObject({ kind: 'function', filterTag: 'alert', notifyContentFormat: 'JSON' });
    await client.publishMessage(t, { MessageBody: 'ignored' });
    await client.publishMessage(t, { MessageBody: 'wanted', MessageTag: 'alert' });
    // Publishing did not wait for the function.
    expect(emulator.topic(t).subscription('tagged').stats.pending).toBe(1);
    release();
    await within(emulator.topic(t).drain(), 2000, 'the delivery');
    expect(got).toEqual(['alert']);
    expect((await client.get(`/topics/${t}/subscriptions/tagged`, 'Subscription')).body).toMatchObject({
      Endpoint: `acs:fc:cn-hangzhou:${ACCOUNT_ID}:functions/tagged`,
      NotifyContentFormat: 'JSON',
      FilterTag: 'alert',
    });
    expect(() => emulator.subscribeFunction(t, 'tagged', { deliver: async () => {} })).toThrow(/already has/);
    expect(() => emulator.subscribeFunction('no-such-topic', 'x', { deliver: async () => {} })).toThrow(
      /no topic/,
    );
  });
});

describe('retries (NotifyStrategy, scaled by timeScale)', () => {
  it('BACKOFF_RETRY: 3 retries 10–20 s apart, then the notification is dropped and counted', async () => {
    await client.createTopic(t);
    const failing = recorder(Number.POSITIVE_INFINITY);
    emulator.subscribeFunction(t, 'down', { notifyStrategy: 'BACKOFF_RETRY', deliver: failing.deliver });
    await client.publishMessage(t, { MessageBody: 'lost' });
    await within(emulator.topic(t).drain(), 3000, 'the retries');
    const subscription = emulator.topic(t).subscription('down');
    expect(subscription.stats).toEqual({
      delivered: 0,
      failedAttempts: 4,
      retries: 3,
      exhausted: 1,
      pending: 0,
    });
    expect(subscription.attempts().map((a) => [a.attempt, a.ok, a.error])).toEqual([
      [1, false, 'refused #1'],
      [2, false, 'refused #2'],
      [3, false, 'refused #3'],
      [4, false, 'refused #4'],
    ]);
    const gaps = failing.times.slice(1).map((time, i) => time - (failing.times[i] ?? 0));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(10_000 * TIME_SCALE - 2);
      expect(gap).toBeLessThan(20_000 * TIME_SCALE + 250);
    }
  });

  it('EXPONENTIAL_DECAY_RETRY: retries after 1, 2, 4, 8 s until the function accepts', async () => {
    await client.createTopic(t);
    const flaky = recorder(4);
    emulator.subscribeFunction(t, 'flaky', {
      notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      notifyContentFormat: 'STREAM',
      deliver: flaky.deliver,
    });
    await client.publishMessage(t, { MessageBody: 'eventually' });
    await within(emulator.topic(t).drain(), 3000, 'the retries');
    expect(flaky.payloads.map(String)).toEqual(['eventually']);
    expect(emulator.topic(t).subscription('flaky').stats).toEqual({
      delivered: 1,
      failedAttempts: 4,
      retries: 4,
      exhausted: 0,
      pending: 0,
    });
    const gaps = flaky.times.slice(1).map((time, i) => time - (flaky.times[i] ?? 0));
    expect(gaps).toHaveLength(4);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(2 ** i * 1000 * TIME_SCALE - 2);
    });
  });

  it('retries a push to a queue that does not exist yet, and delivers once it does', async () => {
    await client.createTopic(t);
    const queue = `${t}-late`;
    expect(
      (await subscribe(t, 'late', { Endpoint: queueEndpoint(queue), NotifyContentFormat: 'SIMPLIFIED' }))
        .code,
    ).toBe(201);
    await client.publishMessage(t, { MessageBody: 'wait for me' });
    expect(emulator.topic(t).subscription('late').stats).toMatchObject({ failedAttempts: 1, pending: 1 });
    emulator.createQueue(queue);
    await within(emulator.topic(t).drain(), 2000, 'the retry');
    expect(emulator.queue(queue).bodies()).toEqual(['wait for me']);
    expect(emulator.topic(t).subscription('late').stats).toMatchObject({
      delivered: 1,
      retries: 1,
      pending: 0,
    });
  });

  it('stops retrying once unsubscribed', async () => {
    await client.createTopic(t);
    const failing = recorder(Number.POSITIVE_INFINITY);
    emulator.subscribeFunction(t, 'doomed', { deliver: failing.deliver });
    await client.publishMessage(t, { MessageBody: 'x' });
    await within(
      (async () => {
        while (failing.times.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      1000,
      'the first attempt',
    );
    await client.delete(`/topics/${t}/subscriptions/doomed`, 'Subscription', '');
    // The drain ends: the deleted subscription's retries (seconds apart) are not waited for.
    await within(emulator.topic(t).drain(), 1000, 'the drain');
    expect(failing.times).toHaveLength(1);
  });

  it('close() cancels retries scheduled a real 10–20 s ahead', async () => {
    const slow = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, topics: ['slow'] });
    const failing = recorder(Number.POSITIVE_INFINITY);
    slow.subscribeFunction('slow', 'down', { deliver: failing.deliver });
    await mnsClient(slow.url, key).publishMessage('slow', { MessageBody: 'x' });
    await within(
      (async () => {
        while (slow.topic('slow').subscription('down').stats.failedAttempts === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })(),
      1000,
      'the first attempt',
    );
    await slow.close();
    await within(slow.idle(), 500, 'idle after close');
    expect(failing.times).toHaveLength(1);
  });
});

describe('authentication and faults apply to topic calls', () => {
  it('accepts STS credentials and refuses a wrong token or signature, changing nothing', async () => {
    await client.createTopic(t);
    emulator.createQueue(`${t}-q`);
    const stsClient = mnsClient(emulator.url, sts);
    expect((await stsClient.publishMessage(t, { MessageBody: 'via sts' })).code).toBe(201);
    const wrongToken = mnsClient(emulator.url, sts, { securityToken: `${sts.securityToken}x` });
    expect((await rejection(wrongToken.publishMessage(t, { MessageBody: 'x' }))).name).toBe(
      'MNSInvalidSecurityTokenError',
    );
    const noToken = mnsClient(emulator.url, sts, { securityToken: undefined });
    expect((await rejection(subscribe(t, 's', { Endpoint: queueEndpoint(`${t}-q`) }, noToken))).name).toBe(
      'MNSInvalidSecurityTokenError',
    );
    const forged = mnsClient(emulator.url, { ...key, accessKeySecret: 'wrong' });
    expect((await rejection(forged.createTopic(`${t}-forged`))).name).toBe('MNSSignatureDoesNotMatchError');
    expect((await rejection(forged.get(`/topics/${t}/subscriptions`, 'Subscriptions'))).name).toBe(
      'MNSSignatureDoesNotMatchError',
    );
    expect(emulator.topic(t).published).toBe(1);
    expect(emulator.topic(t).subscriptions()).toEqual([]);
    expect(() => emulator.topic(`${t}-forged`)).toThrow(/no topic/);
    expect(calls.count('PublishMessage', { status: 403, code: 'InvalidSecurityToken' })).toBe(1);
    expect(calls.count('Subscribe', { status: 403, code: 'InvalidSecurityToken' })).toBe(1);
  });

  it('injects faults into topic operations, limited to one topic when asked', async () => {
    await client.createTopic(t);
    await client.createTopic(`${t}-other`);
    emulator.faults.add({
      op: 'PublishMessage',
      topic: t,
      status: 503,
      code: 'ServiceUnavailable',
      times: 1,
    });
    expect((await client.publishMessage(`${t}-other`, { MessageBody: 'fine' })).code).toBe(201);
    expect((await rejection(client.publishMessage(t, { MessageBody: 'x' }))).name).toBe(
      'MNSServiceUnavailableError',
    );
    expect((await client.publishMessage(t, { MessageBody: 'x' })).code).toBe(201);
    emulator.faults.add({ op: 'PublishMessage', status: 503, nonXml: true, times: 1 });
    expect(await client.publishMessage(t, { MessageBody: 'x' })).toEqual({
      code: 503,
      headers: {},
      body: undefined,
    });
    expect(emulator.topic(t).published).toBe(1);
    expect(calls.records.at(-1)).toMatchObject({
      action: 'PublishMessage',
      status: 503,
      params: { topic: t },
    });
  });
});
