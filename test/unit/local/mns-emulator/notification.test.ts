import { describe, expect, it } from 'vitest';
import { parseXml } from '../../../../local/mns-emulator/mns-xml.js';
import {
  functionEvent,
  type PublishedMessage,
  queueNotification,
} from '../../../../local/mns-emulator/notification.js';

const message: PublishedMessage = {
  messageId: '6CC4D900CA59A2CD-1-15180534A8F-000000002',
  body: '{1:"a", 2:"b"} <&>',
  bodyMd5: 'F1E92841751D795AB325861034B5CB55',
  tag: 'important',
  publishTime: 1449556920975,
};
const parties = {
  topicOwner: '1234567890123456',
  topicName: 'TopicName',
  subscriber: '1234567890123456',
  subscriptionName: 'SubscriptionName',
};

describe('queueNotification (MNS NotifyContentFormat)', () => {
  it('SIMPLIFIED is the body itself', () => {
    expect(queueNotification('SIMPLIFIED', message, parties)).toBe(message.body);
  });

  it('XML is a well-formed <Notification> with the documented fields in order', () => {
    const xml = queueNotification('XML', message, parties);
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="utf-8"?>\n<Notification xmlns="http://mns.aliyuncs.com/doc/v1/">',
      ),
    ).toBe(true);
    const root = parseXml(xml);
    expect(root.children.map((child) => [child.name, child.text])).toEqual([
      ['TopicOwner', '1234567890123456'],
      ['TopicName', 'TopicName'],
      ['Subscriber', '1234567890123456'],
      ['SubscriptionName', 'SubscriptionName'],
      ['MessageId', message.messageId],
      ['Message', message.body],
      ['MessageMD5', message.bodyMd5],
      ['MessageTag', 'important'],
      ['PublishTime', '1449556920975'],
    ]);
    expect(
      parseXml(queueNotification('XML', { ...message, tag: undefined }, parties)).children.map((c) => c.name),
    ).not.toContain('MessageTag');
  });

  it('JSON has the same fields, PublishTime as a string', () => {
    expect(JSON.parse(queueNotification('JSON', message, parties))).toEqual({
      TopicOwner: '1234567890123456',
      TopicName: 'TopicName',
      Subscriber: '1234567890123456',
      SubscriptionName: 'SubscriptionName',
      MessageId: message.messageId,
      Message: message.body,
      MessageMD5: message.bodyMd5,
      MessageTag: 'important',
      PublishTime: '1449556920975',
    });
  });
});

describe('functionEvent (FC MNS topic trigger)', () => {
  it('STREAM is the body bytes', () => {
    expect(functionEvent('STREAM', message, parties)).toEqual(Buffer.from(message.body, 'utf8'));
  });

  it("JSON is FC's event, PublishTime a number, in FC's field order", () => {
    const event = functionEvent('JSON', { ...message, tag: undefined }, parties).toString('utf8');
    expect(Object.keys(JSON.parse(event))).toEqual([
      'TopicOwner',
      'Message',
      'Subscriber',
      'PublishTime',
      'SubscriptionName',
      'MessageMD5',
      'TopicName',
      'MessageId',
    ]);
    expect(JSON.parse(event)).toMatchObject({ PublishTime: 1449556920975, Message: message.body });
    expect(JSON.parse(functionEvent('JSON', message, parties).toString('utf8')).MessageTag).toBe('important');
  });
});
