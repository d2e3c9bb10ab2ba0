import { describe, expect, it } from 'vitest';
import type { MnsTopicOperation } from '../../../../local/mns-emulator/faults.js';
import { isTopicOperation, routeRequest } from '../../../../local/mns-emulator/routes.js';

const route = (method: string, url: string) => {
  const { op, queue, topic, subscription } = routeRequest(method, url, Buffer.alloc(0));
  return { op, queue, topic, subscription };
};

describe('routeRequest: the topic model', () => {
  const cases: [string, string, MnsTopicOperation, string | undefined, string | undefined][] = [
    ['PUT', '/topics/t', 'CreateTopic', 't', undefined],
    ['PUT', '/topics/t?metaoverride=true', 'SetTopicAttributes', 't', undefined],
    ['GET', '/topics/t', 'GetTopicAttributes', 't', undefined],
    ['DELETE', '/topics/t', 'DeleteTopic', 't', undefined],
    ['GET', '/topics', 'ListTopic', undefined, undefined],
    ['POST', '/topics/t/messages', 'PublishMessage', 't', undefined],
    ['PUT', '/topics/t/subscriptions/s', 'Subscribe', 't', 's'],
    ['PUT', '/topics/t/subscriptions/s?metaoverride=true', 'SetSubscriptionAttributes', 't', 's'],
    ['GET', '/topics/t/subscriptions/s', 'GetSubscriptionAttributes', 't', 's'],
    ['DELETE', '/topics/t/subscriptions/s', 'Unsubscribe', 't', 's'],
    ['GET', '/topics/t/subscriptions', 'ListSubscriptionByTopic', 't', undefined],
  ];
  it.each(cases)('%s %s → %s', (method, url, op, topic, subscription) => {
    expect(route(method, url)).toEqual({ op, queue: undefined, topic, subscription });
    expect(isTopicOperation(op)).toBe(true);
  });

  it.each([
    ['POST', '/topics/t'],
    ['GET', '/topics/t/messages'],
    ['POST', '/topics/t/subscriptions/s'],
    ['PUT', '/topics'],
    ['GET', '/topics/t/subscriptions/s/extra'],
  ])('%s %s is no operation', (method, url) => {
    expect(route(method, url).op).toBeUndefined();
  });

  it('leaves queue routes as they were', () => {
    expect(route('POST', '/queues/q/messages')).toEqual({
      op: 'SendMessage',
      queue: 'q',
      topic: undefined,
      subscription: undefined,
    });
    expect(isTopicOperation('SendMessage')).toBe(false);
  });
});
