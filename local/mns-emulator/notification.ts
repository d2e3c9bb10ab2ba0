import { MNS_XMLNS, xmlFields } from './mns-xml.js';

/**
 * What a topic hands its subscribers, in each documented format.
 *
 * Queue endpoints follow the MNS "NotifyContentFormat" page (help/doc-detail/27482):
 * - SIMPLIFIED: the published MessageBody as is.
 * - XML: `<Notification>` with TopicOwner, TopicName, Subscriber, SubscriptionName, MessageId, Message, MessageMD5,
 *   MessageTag (only when the message has one; inferred) and PublishTime (epoch ms), in the page's order. The page's
 *   example is not well-formed (`xlmns=`, `</MessagePublishTime>`): this emits `xmlns=` and `</PublishTime>`.
 * - JSON: the same fields as one JSON object; PublishTime is a string there, as in the page's example.
 * `Message` is the published MessageBody verbatim: MNS does not Base64 it (inferred: cloud-facts MNS-17). The Base64 the docs speak of is the
 * publisher's (the Java SDK's Base64TopicMessage encodes at publish time and its queue-subscription example decodes
 * the `Message` field), so a body published Base64-encoded arrives Base64-encoded.
 *
 * Function endpoints follow FC's MNS topic trigger event format ("触发器Event格式", help/doc-detail/70140):
 * - STREAM: the message body bytes.
 * - JSON: TopicOwner, Message, Subscriber, PublishTime (a number here), SubscriptionName, MessageMD5, TopicName,
 *   MessageId, in the page's order; MessageTag is added when the message has one (inferred from the MNS JSON format).
 * MessageAttributes (which FC folds into the event) are not emulated.
 */

export type QueueNotifyFormat = 'XML' | 'JSON' | 'SIMPLIFIED';
export type FunctionEventFormat = 'JSON' | 'STREAM';

export interface PublishedMessage {
  readonly messageId: string;
  readonly body: string;
  /** Upper-case hex MD5 of the body (UTF-8), as PublishMessage answers MessageBodyMD5. */
  readonly bodyMd5: string;
  readonly tag: string | undefined;
  /** Epoch milliseconds. */
  readonly publishTime: number;
}

/** Who sent the notification to whom. */
export interface NotificationParties {
  /** Account id of the topic owner. */
  readonly topicOwner: string;
  readonly topicName: string;
  /** Account id of the subscriber (the topic owner's here: the emulator has one account). */
  readonly subscriber: string;
  readonly subscriptionName: string;
}

/** The body of the queue message a queue subscription receives. */
export function queueNotification(
  format: QueueNotifyFormat,
  message: PublishedMessage,
  parties: NotificationParties,
): string {
  switch (format) {
    case 'SIMPLIFIED':
      return message.body;
    case 'XML':
      return (
        `<?xml version="1.0" encoding="utf-8"?>\n<Notification xmlns="${MNS_XMLNS}">` +
        `${xmlFields(notificationFields(message, parties))}</Notification>`
      );
    case 'JSON':
      return JSON.stringify(Object.fromEntries(notificationFields(message, parties)));
  }
}

function notificationFields(
  message: PublishedMessage,
  parties: NotificationParties,
): ReadonlyArray<readonly [string, string]> {
  return [
    ['TopicOwner', parties.topicOwner],
    ['TopicName', parties.topicName],
    ['Subscriber', parties.subscriber],
    ['SubscriptionName', parties.subscriptionName],
    ['MessageId', message.messageId],
    ['Message', message.body],
    ['MessageMD5', message.bodyMd5],
    ...(message.tag === undefined ? [] : [['MessageTag', message.tag] as const]),
    ['PublishTime', String(message.publishTime)],
  ];
}

/** The event FC hands a function whose MNS topic trigger has this format. */
export function functionEvent(
  format: FunctionEventFormat,
  message: PublishedMessage,
  parties: NotificationParties,
): Buffer {
  if (format === 'STREAM') return Buffer.from(message.body, 'utf8');
  const event = {
    TopicOwner: parties.topicOwner,
    Message: message.body,
    Subscriber: parties.subscriber,
    PublishTime: message.publishTime,
    SubscriptionName: parties.subscriptionName,
    MessageMD5: message.bodyMd5,
    TopicName: parties.topicName,
    MessageId: message.messageId,
    ...(message.tag !== undefined && { MessageTag: message.tag }),
  };
  return Buffer.from(JSON.stringify(event), 'utf8');
}
