import { randomBytes, randomUUID } from 'node:crypto';
import type MNSClient from '@alicloud/mns/lib/client.js';

/**
 * The CloudEvent EventBridge makes of an MNS queue message (event source / event stream of type MNS), field for
 * field as the sample in Alibaba's "Create a custom event source of the SMQ type" and "Event streams: MNS" pages:
 * `source: "acs:mns"`, `type: "mns:Queue:SendMessage"`, `subject: acs:mns:<region>:<account>:queues/<q>`,
 * `data{requestId, messageId, messageBody}`. `time` is the message's enqueue time and `aliyunpublishtime` the
 * moment EventBridge read it (the sample's publish time is later than its time). The samples also carry
 * `aliyuneventbusname`; an event stream involves no bus, so it is left out (inferred). `shared/events/mns-message.ts`
 * decodes exactly these fields.
 *
 * "Base64 Decoding" (`IsBase64Decode`): "your data in MNS is decoded before delivery". A body that is not valid
 * base64 of UTF-8 text is delivered unchanged (inferred; the docs do not say).
 */
export interface MnsSourceContext {
  region: string;
  accountId: string;
  queueName: string;
  isBase64Decode: boolean;
  now?: () => number;
}

export function mnsSourceEvent(
  message: MNSClient.ReceivedMessage,
  ctx: MnsSourceContext,
): Record<string, unknown> {
  const now = ctx.now ?? Date.now;
  const enqueued = Number(message.EnqueueTime);
  return {
    id: randomUUID(),
    source: 'acs:mns',
    specversion: '1.0',
    type: 'mns:Queue:SendMessage',
    datacontenttype: 'application/json; charset=utf-8',
    subject: `acs:mns:${ctx.region}:${ctx.accountId}:queues/${ctx.queueName}`,
    time: new Date(Number.isFinite(enqueued) && enqueued > 0 ? enqueued : now()).toISOString(),
    aliyunpublishtime: new Date(now()).toISOString(),
    data: {
      // MNS request ids are 24 upper-case hex digits; the SDK does not surface the real one.
      requestId: randomBytes(12).toString('hex').toUpperCase(),
      messageId: message.MessageId,
      messageBody: ctx.isBase64Decode ? decodeBase64Text(message.MessageBody) : message.MessageBody,
    },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** base64 of UTF-8 text → the text; anything else unchanged. */
export function decodeBase64Text(body: string): string {
  if (body === '' || !BASE64.test(body)) return body;
  try {
    return UTF8.decode(Buffer.from(body, 'base64'));
  } catch {
    return body;
  }
}
