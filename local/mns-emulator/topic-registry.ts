import { DeliveryEngine, type DeliveryOptions } from './delivery.js';
import { MnsError } from './mns-errors.js';
import type { PublishedMessage } from './notification.js';
import { MnsSubscription, type SubscriptionSettings } from './subscription.js';
import { DEFAULT_TOPIC_ATTRIBUTES, MnsTopic, type TopicAttributes } from './topic.js';

/**
 * Topic and subscription names: letters, digits and "-", a letter or digit first (the CreateTopic and Subscribe
 * pages); up to 256 characters (the pages say 255 or 256 depending on their age).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,255}$/;

/**
 * A queue endpoint: `acs:mns:<region>:<account>:queues/<queue>` as the Subscribe page writes it, or with `/queues`
 * as MNS resource ARNs are written elsewhere. Any region is accepted (the emulator has none); the account must be the
 * topic's, as MNS pushes only to queues of the topic's account and region.
 */
const QUEUE_ENDPOINT = /^acs:mns:([A-Za-z0-9-]+):(\d+):\/?queues\/([A-Za-z0-9-]{1,256})$/;

/** The topics of one emulated account, and the engine that pushes their messages. */
export class TopicRegistry {
  readonly #topics = new Map<string, MnsTopic>();
  readonly engine: DeliveryEngine;

  constructor(private readonly options: DeliveryOptions & { now: () => number }) {
    this.engine = new DeliveryEngine(options);
  }

  get accountId(): string {
    return this.options.accountId;
  }

  now(): number {
    return this.options.now();
  }

  get(name: string): MnsTopic | undefined {
    return this.#topics.get(name);
  }

  /** The topic, or the TopicNotExist answer MNS gives for a missing one. */
  require(name: string | undefined): MnsTopic {
    const topic = name === undefined ? undefined : this.#topics.get(name);
    if (!topic) throw new MnsError('TopicNotExist');
    return topic;
  }

  /** Creates the topic, or returns the existing one untouched. */
  ensure(name: string, attributes: Partial<TopicAttributes> = {}): { topic: MnsTopic; created: boolean } {
    checkName('topic', name);
    const existing = this.#topics.get(name);
    if (existing) return { topic: existing, created: false };
    const topic = new MnsTopic(name, { ...DEFAULT_TOPIC_ATTRIBUTES, ...attributes }, this.options.now());
    this.#topics.set(name, topic);
    return { topic, created: true };
  }

  /** DeleteTopic: its subscriptions go with it and stop pushing. */
  delete(name: string): boolean {
    const topic = this.#topics.get(name);
    if (!topic) return false;
    topic.removeAll();
    this.#topics.delete(name);
    return true;
  }

  /** Sorted by name, as ListTopic pages them. */
  all(): MnsTopic[] {
    return [...this.#topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Subscribe: 'created', 'same' (exists with the same attributes: MNS answers 204), or SubscriptionAlreadyExist
   * when a subscription of that name differs.
   */
  subscribe(topic: MnsTopic, name: string, settings: SubscriptionSettings): 'created' | 'same' {
    checkName('subscription', name);
    const existing = topic.subscription(name);
    if (existing) {
      if (existing.sameAs(settings)) return 'same';
      throw new MnsError('SubscriptionAlreadyExist');
    }
    topic.addSubscription(new MnsSubscription(topic.name, name, settings, this.options.now()));
    return 'created';
  }

  /** Records the message and starts pushing it to every matching subscription. */
  publish(topic: MnsTopic, input: { body: string; tag: string | undefined }): PublishedMessage {
    const message = topic.publish(input, this.options.now());
    this.engine.fanOut(topic, message);
    return message;
  }

  /** The queue a Subscribe endpoint names; InvalidArgument for anything else. */
  queueOfEndpoint(endpoint: string): string {
    const match = QUEUE_ENDPOINT.exec(endpoint);
    if (!match?.[3]) {
      throw new MnsError(
        'InvalidArgument',
        `The Endpoint ${JSON.stringify(endpoint)} is not supported: the emulator pushes only to queue endpoints ` +
          '(acs:mns:{REGION}:{AccountID}:queues/{QueueName}).',
      );
    }
    if (match[2] !== this.options.accountId) {
      throw new MnsError(
        'InvalidArgument',
        `The Endpoint ${JSON.stringify(endpoint)} names another account's queue; messages can only be pushed to queues of the topic's account.`,
      );
    }
    return match[3];
  }
}

function checkName(kind: 'topic' | 'subscription', name: string): void {
  if (!NAME.test(name)) {
    throw new MnsError(
      'InvalidArgument',
      `The ${kind} name you provided is invalid. The first character must be a letter or digit; letters, digits and "-" may follow, 256 characters at most.`,
    );
  }
}
