import { describe, expect, it } from 'vitest';
import { decodeBase64Text, mnsSourceEvent } from '../../../../local/eventbridge-emulator/mns-source-event.js';
import { retryDelaysSeconds } from '../../../../local/eventbridge-emulator/retry-schedule.js';
import { decodeEvent } from '../../../../shared/events/decode-event.js';

describe('retry schedule (EventBridge event streams)', () => {
  it('BACKOFF_RETRY: 3 retries, each 10–20 s', () => {
    expect(retryDelaysSeconds('BACKOFF_RETRY', () => 0)).toEqual([10, 10, 10]);
    expect(retryDelaysSeconds('BACKOFF_RETRY', () => 0.5)).toEqual([15, 15, 15]);
    const drawn = retryDelaysSeconds('BACKOFF_RETRY');
    expect(drawn).toHaveLength(3);
    for (const delay of drawn) expect(delay >= 10 && delay <= 20).toBe(true);
  });

  it('EXPONENTIAL_DECAY_RETRY: 176 retries, 1, 2, 4 … 512 s, 512 s for the last 167 (about a day)', () => {
    const delays = retryDelaysSeconds('EXPONENTIAL_DECAY_RETRY');
    expect(delays).toHaveLength(176);
    expect(delays.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(delays.filter((d) => d === 512)).toHaveLength(167);
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0.95 * 86_400);
    expect(total).toBeLessThan(86_400);
  });
});

const message = (body: string) => ({
  MessageId: 'C6DB60D1574661357FA2272774450000',
  ReceiptHandle: '1-abc',
  MessageBodyMD5: '00',
  MessageBody: body,
  EnqueueTime: String(Date.parse('2026-11-29T04:20:00.000Z')),
  NextVisibleTime: '0',
  FirstDequeueTime: '0',
  DequeueCount: '1',
  Priority: '8',
});

const state = {
  id: 'e-1',
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  aliyunregionid: 'cn-shanghai',
  data: { resourceId: 'i-uf6app00000000000001', state: 'Pending' },
};

describe('MNS message → CloudEvent (mns:Queue:SendMessage)', () => {
  const ctx = {
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
    queueName: 'ram-role-attacher-events',
    now: () => Date.parse('2026-11-29T04:20:01.000Z'),
  };

  it('has the fields of Alibaba’s sample event, body unchanged without Base64 Decoding', () => {
    const body = JSON.stringify(state);
    const event = mnsSourceEvent(message(body), { ...ctx, isBase64Decode: false });
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: 'acs:mns',
      specversion: '1.0',
      type: 'mns:Queue:SendMessage',
      datacontenttype: 'application/json; charset=utf-8',
      subject: 'acs:mns:cn-hangzhou:1234567890123456:queues/ram-role-attacher-events',
      time: '2026-11-29T04:20:00.000Z',
      aliyunpublishtime: '2026-11-29T04:20:01.000Z',
      data: {
        requestId: expect.stringMatching(/^[0-9A-F]{24}$/),
        messageId: 'C6DB60D1574661357FA2272774450000',
        messageBody: body,
      },
    });
    const decoded = decodeEvent(JSON.stringify([event]), { defaultRegionId: 'cn-hangzhou' });
    expect(decoded.poison).toEqual([]);
    expect(decoded.refs).toMatchObject([{ regionId: 'cn-shanghai', instanceId: 'i-uf6app00000000000001' }]);
  });

  it('decodes a base64 body with Base64 Decoding, and leaves other bodies alone', () => {
    const body = JSON.stringify(state);
    const b64 = Buffer.from(body).toString('base64');
    const decodedEvent = mnsSourceEvent(message(b64), { ...ctx, isBase64Decode: true });
    expect((decodedEvent.data as { messageBody: string }).messageBody).toBe(body);
    const kept = mnsSourceEvent(message(b64), { ...ctx, isBase64Decode: false });
    expect((kept.data as { messageBody: string }).messageBody).toBe(b64);
    expect(decodeBase64Text(body)).toBe(body); // JSON is not base64
    expect(decodeBase64Text('TEST')).toBe('TEST'); // valid base64 but not UTF-8 text
    expect(decodeBase64Text('')).toBe('');
    expect(decodeBase64Text(Buffer.from('中文').toString('base64'))).toBe('中文');
  });
});
