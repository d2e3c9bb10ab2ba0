import { type HeaderBag, headerValue } from '../signature/mns.js';
import type { MnsTopicOperation } from './faults.js';
import { MnsError } from './mns-errors.js';
import { childrenNamed, mnsDocument, type XmlElement, type XmlFields, xmlFields } from './mns-xml.js';
import type { QueueNotifyFormat } from './notification.js';
import { intField, parseBody, type Reply, schemaError } from './operations.js';
import { isNotifyStrategy, type NotifyStrategy } from './retry-schedule.js';
import type { QueryParams } from './routes.js';
import type { MnsSubscription, SubscriptionSettings } from './subscription.js';
import { DEFAULT_TOPIC_ATTRIBUTES, type MnsTopic, type TopicAttributes } from './topic.js';
import type { TopicRegistry } from './topic-registry.js';

/**
 * The topic model of the MNS HTTP API (CreateTopic … ListSubscriptionByTopic pages). Times are reported in seconds,
 * as the queue attributes are; MessageRetentionPeriod is MNS's fixed one day (cloud-facts MNS-22).
 */

export interface TopicOperationContext {
  topics: TopicRegistry;
  /** `http://127.0.0.1:PORT`, for Location, TopicURL and SubscriptionURL. */
  baseUrl: string;
}

export interface TopicOperationRequest {
  op: MnsTopicOperation;
  topic: string | undefined;
  subscription: string | undefined;
  query: QueryParams;
  headers: HeaderBag;
  body: Buffer;
}

type TopicHandler = (ctx: TopicOperationContext, request: TopicOperationRequest) => Reply;

export const TOPIC_OPERATIONS: Record<MnsTopicOperation, TopicHandler> = {
  CreateTopic: createTopic,
  GetTopicAttributes: getTopicAttributes,
  SetTopicAttributes: setTopicAttributes,
  DeleteTopic: deleteTopic,
  ListTopic: listTopic,
  PublishMessage: publishMessage,
  Subscribe: subscribe,
  GetSubscriptionAttributes: getSubscriptionAttributes,
  SetSubscriptionAttributes: setSubscriptionAttributes,
  Unsubscribe: unsubscribe,
  ListSubscriptionByTopic: listSubscriptionByTopic,
};

const TOPIC_LIMITS = {
  maximumMessageSize: [1024, 65536],
  filterTagLength: 16,
  retNumber: [1, 1000],
  messageRetentionSeconds: 86400,
} as const;

const QUEUE_FORMATS: readonly QueueNotifyFormat[] = ['XML', 'JSON', 'SIMPLIFIED'];

// ---- topics ----

/**
 * 201 with Location; 204 when the topic exists with the same attributes; 409 TopicAlreadyExist when they differ.
 * The request is compared as a whole resource, omitted attributes taking their defaults (the page: 204 only when the
 * attributes are all the same).
 */
function createTopic(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const name = required(request.topic);
  const wanted = { ...DEFAULT_TOPIC_ATTRIBUTES, ...topicAttributes(parseBody(request.body, 'Topic')) };
  const existing = ctx.topics.get(name);
  if (existing) {
    const same =
      existing.attributes.maximumMessageSize === wanted.maximumMessageSize &&
      existing.attributes.loggingEnabled === wanted.loggingEnabled;
    if (!same) throw new MnsError('TopicAlreadyExist');
    return { status: 204 };
  }
  ctx.topics.ensure(name, wanted);
  return { status: 201, headers: { location: topicUrl(ctx, name) } };
}

function getTopicAttributes(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const fields: XmlFields = [
    ['TopicName', topic.name],
    ['CreateTime', seconds(topic.createTime)],
    ['LastModifyTime', seconds(topic.lastModifyTime)],
    ['MaximumMessageSize', topic.attributes.maximumMessageSize],
    ['MessageRetentionPeriod', TOPIC_LIMITS.messageRetentionSeconds],
    // Messages whose pushes have not finished (inferred: what the topic still holds).
    ['MessageCount', topic.pending.count],
    ['LoggingEnabled', topic.attributes.loggingEnabled ? 'True' : 'False'],
  ];
  return { status: 200, xml: mnsDocument('Topic', xmlFields(fields)) };
}

function setTopicAttributes(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  Object.assign(topic.attributes, topicAttributes(parseBody(request.body, 'Topic')));
  topic.lastModifyTime = ctx.topics.now();
  return { status: 204 };
}

/** 204 whether or not the topic existed (the page lists no operation-specific error). */
function deleteTopic(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  ctx.topics.delete(required(request.topic));
  return { status: 204 };
}

function listTopic(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const { items, nextMarker } = page(
    ctx.topics.all().map((topic) => topic.name),
    request.headers,
  );
  const entries = items.map((name) => `<Topic>${xmlFields([['TopicURL', topicUrl(ctx, name)]])}</Topic>`);
  return { status: 200, xml: mnsDocument('Topics', entries.join('') + nextMarkerField(nextMarker)) };
}

function topicAttributes(root: XmlElement): Partial<TopicAttributes> {
  for (const child of root.children) {
    if (child.name !== 'MaximumMessageSize' && child.name !== 'LoggingEnabled') throw schemaError(child.name);
  }
  const attributes: Partial<TopicAttributes> = {};
  const size = intField(root, 'MaximumMessageSize', TOPIC_LIMITS.maximumMessageSize);
  if (size !== undefined) attributes.maximumMessageSize = size;
  const logging = singleText(root, 'LoggingEnabled');
  if (logging !== undefined) {
    // The pages write True/False; the SDK turns a boolean into true/false. Both are accepted.
    const value = logging.trim().toLowerCase();
    if (value !== 'true' && value !== 'false') {
      throw new MnsError('InvalidArgument', 'The value of LoggingEnabled should be True or False.');
    }
    attributes.loggingEnabled = value === 'true';
  }
  return attributes;
}

// ---- messages ----

function publishMessage(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const root = parseBody(request.body, 'Message');
  for (const child of root.children) {
    // MessageAttributes (mail, SMS, FC extras) are accepted and not used: the emulator pushes to queues and functions.
    if (!['MessageBody', 'MessageTag', 'MessageAttributes'].includes(child.name))
      throw schemaError(child.name);
  }
  const body = singleText(root, 'MessageBody');
  if (body === undefined) throw schemaError('MessageBody');
  const max = topic.attributes.maximumMessageSize;
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes < 1 || bytes > max) {
    throw new MnsError('InvalidArgument', `The value of MessageBody should between 1 and ${max} bytes.`);
  }
  const tag = singleText(root, 'MessageTag');
  const message = ctx.topics.publish(topic, { body, tag: tag === '' ? undefined : tag });
  const fields: XmlFields = [
    ['MessageId', message.messageId],
    ['MessageBodyMD5', message.bodyMd5],
  ];
  return { status: 201, xml: mnsDocument('Message', xmlFields(fields)) };
}

// ---- subscriptions ----

/**
 * 201 with Location; 204 when the subscription exists with the same attributes; 409 SubscriptionAlreadyExist when
 * they differ (compared as a whole, omitted attributes taking their defaults: BACKOFF_RETRY, XML, no filter).
 */
function subscribe(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const name = required(request.subscription);
  const root = parseBody(request.body, 'Subscription');
  for (const child of root.children) {
    if (!['Endpoint', 'FilterTag', 'NotifyStrategy', 'NotifyContentFormat'].includes(child.name)) {
      throw schemaError(child.name);
    }
  }
  const endpoint = singleText(root, 'Endpoint')?.trim();
  if (!endpoint) throw new MnsError('InvalidArgument', 'Endpoint is required.');
  const queueName = ctx.topics.queueOfEndpoint(endpoint);
  const format = singleText(root, 'NotifyContentFormat')?.trim() || 'XML';
  if (!(QUEUE_FORMATS as readonly string[]).includes(format)) {
    throw new MnsError(
      'InvalidArgument',
      'The value of NotifyContentFormat should be XML, JSON or SIMPLIFIED.',
    );
  }
  const settings: SubscriptionSettings = {
    endpoint,
    filterTag: filterTag(root),
    notifyStrategy: notifyStrategy(root) ?? 'BACKOFF_RETRY',
    target: { kind: 'queue', queueName, format: format as QueueNotifyFormat },
  };
  if (ctx.topics.subscribe(topic, name, settings) === 'same') return { status: 204 };
  return { status: 201, headers: { location: subscriptionUrl(ctx, topic.name, name) } };
}

function getSubscriptionAttributes(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const subscription = requireSubscription(topic, request.subscription);
  const fields: XmlFields = [
    ['SubscriptionName', subscription.name],
    ['Subscriber', ctx.topics.accountId],
    ['TopicOwner', ctx.topics.accountId],
    ['TopicName', topic.name],
    ['Endpoint', subscription.endpoint],
    ['NotifyStrategy', subscription.notifyStrategy],
    ['NotifyContentFormat', subscription.apiContentFormat],
    ...(subscription.filterTag === undefined ? [] : [['FilterTag', subscription.filterTag] as const]),
    ['CreateTime', seconds(subscription.createTime)],
    ['LastModifyTime', seconds(subscription.lastModifyTime)],
  ];
  return { status: 200, xml: mnsDocument('Subscription', xmlFields(fields)) };
}

/** Only NotifyStrategy can be changed (SetSubscriptionAttributes page). */
function setSubscriptionAttributes(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const subscription = requireSubscription(topic, request.subscription);
  const root = parseBody(request.body, 'Subscription');
  for (const child of root.children) {
    if (child.name !== 'NotifyStrategy') throw schemaError(child.name);
  }
  const strategy = notifyStrategy(root);
  if (strategy !== undefined) subscription.notifyStrategy = strategy;
  subscription.lastModifyTime = ctx.topics.now();
  return { status: 204 };
}

/** 204 whether or not the subscription existed, as the Unsubscribe page says. */
function unsubscribe(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  ctx.topics.get(required(request.topic))?.removeSubscription(required(request.subscription));
  return { status: 204 };
}

function listSubscriptionByTopic(ctx: TopicOperationContext, request: TopicOperationRequest): Reply {
  const topic = ctx.topics.require(request.topic);
  const { items, nextMarker } = page(
    topic.subscriptions().map((s) => s.name),
    request.headers,
  );
  const entries = items.map(
    (name) =>
      `<Subscription>${xmlFields([['SubscriptionURL', subscriptionUrl(ctx, topic.name, name)]])}</Subscription>`,
  );
  return { status: 200, xml: mnsDocument('Subscriptions', entries.join('') + nextMarkerField(nextMarker)) };
}

function requireSubscription(topic: MnsTopic, name: string | undefined): MnsSubscription {
  const subscription = name === undefined ? undefined : topic.subscription(name);
  if (!subscription) throw new MnsError('SubscriptionNotExist');
  return subscription;
}

/** FilterTag: at most 16 characters; empty means no filter. */
function filterTag(root: XmlElement): string | undefined {
  const tag = singleText(root, 'FilterTag');
  if (tag === undefined || tag === '') return undefined;
  if (tag.length > TOPIC_LIMITS.filterTagLength) {
    throw new MnsError(
      'InvalidArgument',
      `The length of FilterTag should between 1 and ${TOPIC_LIMITS.filterTagLength}.`,
    );
  }
  return tag;
}

function notifyStrategy(root: XmlElement): NotifyStrategy | undefined {
  const value = singleText(root, 'NotifyStrategy')?.trim();
  if (value === undefined || value === '') return undefined;
  if (!isNotifyStrategy(value)) {
    throw new MnsError(
      'InvalidArgument',
      'The value of NotifyStrategy should be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY.',
    );
  }
  return value;
}

// ---- shared ----

/**
 * ListTopic / ListSubscriptionByTopic paging: `x-mns-prefix` filters names, `x-mns-ret-number` (1–1000, default
 * 1000) caps a page, `x-mns-marker` resumes at the NextMarker of the previous page. The marker is the next name here
 * (MNS's is opaque; callers only hand it back).
 */
function page(names: readonly string[], headers: HeaderBag): { items: string[]; nextMarker?: string } {
  const prefix = headerValue(headers, 'x-mns-prefix') ?? '';
  const marker = headerValue(headers, 'x-mns-marker');
  const retNumber = headerValue(headers, 'x-mns-ret-number');
  const [low, high] = TOPIC_LIMITS.retNumber;
  let limit: number = high;
  if (retNumber !== undefined) {
    limit = /^\d{1,9}$/.test(retNumber.trim()) ? Number(retNumber.trim()) : Number.NaN;
    if (!(limit >= low && limit <= high)) {
      throw new MnsError(
        'InvalidArgument',
        `The value of x-mns-ret-number should between ${low} and ${high}.`,
      );
    }
  }
  const matching = names.filter((name) => name.startsWith(prefix) && (!marker || name >= marker));
  const items = matching.slice(0, limit);
  const next = matching[limit];
  return next === undefined ? { items } : { items, nextMarker: next };
}

function nextMarkerField(nextMarker: string | undefined): string {
  return nextMarker === undefined ? '' : xmlFields([['NextMarker', nextMarker]]);
}

/** The text of a child that may appear at most once, without children of its own. */
function singleText(root: XmlElement, name: string): string | undefined {
  const found = childrenNamed(root, name);
  if (found.length === 0) return undefined;
  const [only] = found;
  if (found.length > 1 || !only || only.children.length > 0) throw schemaError(name);
  return only.text;
}

/** Route parameters the router always sets for these operations. */
function required(value: string | undefined): string {
  if (value === undefined) throw new MnsError('InvalidRequestURL');
  return value;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function topicUrl(ctx: TopicOperationContext, topic: string): string {
  return `${ctx.baseUrl}/topics/${topic}`;
}

function subscriptionUrl(ctx: TopicOperationContext, topic: string, subscription: string): string {
  return `${ctx.baseUrl}/topics/${topic}/subscriptions/${subscription}`;
}
