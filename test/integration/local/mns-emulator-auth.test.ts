import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallLog } from '../../../local/call-log.js';
import { CredentialStore } from '../../../local/credential-store.js';
import { type MnsEmulator, startMnsEmulator } from '../../../local/mns-emulator/index.js';
import { ACCOUNT_ID, mnsClient, rawMnsRequest, rejection, sendMessageXml } from './mns-test-helpers.js';

// Authentication, injected faults and the call log, through the real @alicloud/mns SDK (raw requests only where the
// SDK cannot be made to send what is tested).

const credentials = new CredentialStore();
const key = credentials.issueAccessKey();
const sts = credentials.issueSts();
const calls = new CallLog();
let emulator: MnsEmulator;
let client: ReturnType<typeof mnsClient>;

beforeAll(async () => {
  emulator = await startMnsEmulator({ credentials, accountId: ACCOUNT_ID, queues: ['jobs'], calls });
  client = mnsClient(emulator.url, key);
});
afterAll(() => emulator.close());
beforeEach(async () => {
  emulator.faults.clear();
  calls.clear();
  // Drain what a previous test left.
  for (;;) {
    const left = await client.batchReceiveMessage('jobs', 16).catch(() => undefined);
    if (!left) break;
    await client.batchDeleteMessage(
      'jobs',
      left.body.map((m) => m.ReceiptHandle),
    );
  }
  calls.clear();
});

describe('authentication', () => {
  it('refuses a wrong secret', async () => {
    const forged = mnsClient(emulator.url, { ...key, accessKeySecret: 'wrong' });
    const error = await rejection(forged.sendMessage('jobs', { MessageBody: 'x' }));
    expect(error.name).toBe('MNSSignatureDoesNotMatchError');
    expect(emulator.queue('jobs').size).toBe(0);
  });

  it('refuses an unknown AccessKeyId', async () => {
    const stranger = mnsClient(emulator.url, { accessKeyId: 'LTAI5tNobodyKnowsMe', accessKeySecret: 'x' });
    expect((await rejection(stranger.receiveMessage('jobs'))).name).toBe('MNSInvalidAccessKeyIdError');
  });

  it("refuses another account's keys, STS ones included, with AccessDenied: MNS state is per account", async () => {
    const other = credentials.issueSts({
      accountId: '2000000000000001',
      principalArn: 'acs:ram::2000000000000001:role/x',
    });
    expect(
      (await rejection(mnsClient(emulator.url, other).sendMessage('jobs', { MessageBody: 'x' }))).name,
    ).toBe('MNSAccessDeniedError');
    const own = credentials.issueSts({ accountId: ACCOUNT_ID });
    await mnsClient(emulator.url, own).sendMessage('jobs', { MessageBody: 'mine' });
    expect(emulator.queue('jobs').size).toBe(1);
  });

  it('refuses STS credentials with a wrong or missing security token', async () => {
    const wrongToken = mnsClient(emulator.url, sts, { securityToken: `${sts.securityToken}x` });
    expect((await rejection(wrongToken.sendMessage('jobs', { MessageBody: 'x' }))).name).toBe(
      'MNSInvalidSecurityTokenError',
    );
    const noToken = mnsClient(emulator.url, sts, { securityToken: undefined });
    expect((await rejection(noToken.sendMessage('jobs', { MessageBody: 'x' }))).name).toBe(
      'MNSInvalidSecurityTokenError',
    );
    expect(emulator.queue('jobs').size).toBe(0);
  });

  it('refuses a request dated more than 15 minutes off with 408 TimeExpired', async () => {
    const path = '/queues/jobs/messages';
    const body = sendMessageXml('late');
    const old = new Date(Date.now() - 16 * 60 * 1000);
    const answer = await rawMnsRequest(emulator.url, { method: 'POST', path, key, body, date: old });
    expect(answer.status).toBe(408);
    expect(answer.body).toContain('<Code>TimeExpired</Code>');
    const recent = new Date(Date.now() - 14 * 60 * 1000);
    expect(
      (await rawMnsRequest(emulator.url, { method: 'POST', path, key, body, date: recent })).status,
    ).toBe(201);
  });

  it('refuses a Content-MD5 that does not match the body (signed, so only the digest check can catch it)', async () => {
    const md5OfOther = Buffer.from('0cc175b9c0f1b6a831c399e269772661').toString('base64');
    const answer = await rawMnsRequest(emulator.url, {
      method: 'POST',
      path: '/queues/jobs/messages',
      key,
      body: sendMessageXml('tampered'),
      contentMd5: md5OfOther,
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidDegist</Code>');
    expect(emulator.queue('jobs').size).toBe(0);
  });

  it('answers errors as MNS does: XML with Code, Message, RequestId and HostId, and x-mns-request-id', async () => {
    const answer = await rawMnsRequest(emulator.url, { method: 'GET', path: '/queues/jobs/messages', key });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toBe('text/xml;charset=utf-8');
    const requestId = answer.headers['x-mns-request-id'];
    expect(requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(answer.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/"><Code>MessageNotExist<\/Code><Message>[^<]+<\/Message><RequestId>([0-9A-F]{24})<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/,
    );
    expect(answer.body).toContain(`<RequestId>${requestId}</RequestId>`);
  });
});

describe('faults', () => {
  it('answers an XML 503 error, which the SDK throws, for as many calls as asked', async () => {
    emulator.faults.add({ op: 'SendMessage', status: 503, code: 'ServiceUnavailable', times: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await rejection(client.sendMessage('jobs', { MessageBody: 'x' }));
      expect(error.name).toBe('MNSServiceUnavailableError');
      expect(error.message).toContain('failed with 503');
    }
    expect((await client.sendMessage('jobs', { MessageBody: 'x' })).code).toBe(201);
    expect(emulator.queue('jobs').size).toBe(1);
  });

  it('defaults the code from the status', async () => {
    emulator.faults.add({ op: '*', status: 500, times: 1 });
    expect((await rejection(client.receiveMessage('jobs'))).name).toBe('MNSInternalErrorError');
  });

  it('answers a non-XML 503, which the SDK returns instead of throwing', async () => {
    emulator.faults.add({ op: 'SendMessage', status: 503, nonXml: true, times: 1 });
    const answer = await client.sendMessage('jobs', { MessageBody: 'x' });
    expect(answer).toEqual({ code: 503, headers: {}, body: undefined });
    expect(emulator.queue('jobs').size).toBe(0);
  });

  it('shows the SDK quirk: a non-XML answer to batchSendMessage surfaces as a TypeError', async () => {
    emulator.faults.add({ op: 'BatchSendMessage', status: 502, nonXml: true, times: 1 });
    const error = await rejection(client.batchSendMessage('jobs', [{ MessageBody: 'x' }]));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('fails part of a batch send with a 500 <Messages> answer the SDK returns', async () => {
    emulator.faults.add({ op: 'BatchSendMessage', failEntries: [1], times: 1 });
    const sent = await client.batchSendMessage('jobs', [
      { MessageBody: 'a' },
      { MessageBody: 'b' },
      { MessageBody: 'c' },
    ]);
    expect(sent.code).toBe(500);
    expect(sent.body[0]).toEqual({ MessageId: expect.any(String), MessageBodyMD5: expect.any(String) });
    expect(sent.body[1]).toEqual({ ErrorCode: 'InternalError', ErrorMessage: expect.any(String) });
    expect(sent.body[2]?.MessageId).toEqual(expect.any(String));
    expect(emulator.queue('jobs').bodies()).toEqual(['a', 'c']);
  });

  it('fails part of a batch delete and keeps those messages', async () => {
    await client.batchSendMessage('jobs', [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const received = await client.batchReceiveMessage('jobs', 2);
    const handles = received.body.map((m) => m.ReceiptHandle);
    emulator.faults.add({ op: 'BatchDeleteMessage', failEntries: [0], times: 1 });
    const deleted = await client.batchDeleteMessage('jobs', handles);
    expect(deleted.code).toBe(404);
    expect(deleted.body).toEqual([
      { ErrorCode: 'InternalError', ErrorMessage: expect.any(String), ReceiptHandle: handles[0] },
    ]);
    expect(emulator.queue('jobs').bodies()).toEqual(['a']);
  });

  it('adds latency and then answers normally', async () => {
    emulator.faults.add({ op: 'SendMessage', latencyMs: 300, times: 1 });
    const started = performance.now();
    expect((await client.sendMessage('jobs', { MessageBody: 'slow' })).code).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('limits a fault to one queue', async () => {
    emulator.createQueue('other');
    emulator.faults.add({ op: 'SendMessage', queue: 'other', status: 500 });
    expect((await client.sendMessage('jobs', { MessageBody: 'fine' })).code).toBe(201);
    expect((await rejection(client.sendMessage('other', { MessageBody: 'x' }))).name).toBe(
      'MNSInternalErrorError',
    );
    expect(emulator.faults.active).toHaveLength(1);
    emulator.faults.clear();
    expect((await client.sendMessage('other', { MessageBody: 'x' })).code).toBe(201);
  });
});

describe('call log', () => {
  it('records every answered call with action, status, code, key and queue', async () => {
    await client.sendMessage('jobs', { MessageBody: 'one' });
    await client.batchSendMessage('jobs', [{ MessageBody: 'two' }]);
    const received = await client.receiveMessage('jobs');
    await client.deleteMessage('jobs', received.body?.ReceiptHandle ?? '');
    await rejection(
      mnsClient(emulator.url, { ...key, accessKeySecret: 'bad' }).sendMessage('jobs', { MessageBody: 'x' }),
    );
    emulator.faults.add({ op: 'ReceiveMessage', status: 503, nonXml: true, times: 1 });
    await client.receiveMessage('jobs');

    expect(calls.byAction('mns')).toEqual({
      SendMessage: 2,
      BatchSendMessage: 1,
      ReceiveMessage: 2,
      DeleteMessage: 1,
    });
    expect(calls.count('SendMessage', { status: 201 })).toBe(1);
    expect(calls.count('SendMessage', { status: 403, code: 'SignatureDoesNotMatch' })).toBe(1);
    expect(calls.count('ReceiveMessage', { status: 503 })).toBe(1);
    expect(calls.records[0]).toMatchObject({
      service: 'mns',
      action: 'SendMessage',
      status: 201,
      accessKeyId: key.accessKeyId,
      params: { queue: 'jobs' },
    });
    expect(calls.records[0]).not.toHaveProperty('code');
  });
});
