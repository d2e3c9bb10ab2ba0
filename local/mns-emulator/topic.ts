import { createHash, randomBytes } from 'node:crypto';
import { type DeliveryCounters, type MnsDeliveryStats, newCounters, PendingWork } from './delivery-stats.js';
import type { PublishedMessage } from './notification.js';
import type { MnsSubscription, MnsSubscriptionView } from './subscription.js';

/** CreateTopic / SetTopicAttributes attributes (MNS CreateTopic page: 1024–65536 bytes, default 65536; False). */
export interface TopicAttributes {
  maximumMessageSize: number;
  loggingEnabled: boolean;
}

export const DEFAULT_TOPIC_ATTRIBUTES: Readonly<TopicAttributes> = {
  maximumMessageSize: 65536,
  loggingEnabled: false,
};

/** What tests may look at without disturbing the topic. */
export interface MnsTopicView {
  readonly name: string;
  readonly maximumMessageSize: number;
  readonly loggingEnabled: boolean;
  /** Messages PublishMessage accepted. */
  readonly published: number;
  /** The latest published messages (up to 1000), oldest first. */
  messages(): PublishedMessage[];
  /** Current subscriptions, by name. */
  subscriptions(): MnsSubscriptionView[];
  /** One subscription; throws for an unknown one. */
  subscription(name: string): MnsSubscriptionView;
  /** Push counts summed over every subscription the topic has had. */
  readonly stats: MnsDeliveryStats;
  /** Resolves once no push of this topic is in flight or waiting for a retry. */
  drain(): Promise<void>;
}

const KEPT_MESSAGES = 1000;

/** One in-memory MNS topic: its attributes, subscriptions and the messages published to it. */
export class MnsTopic {
  readonly createTime: number;
  lastModifyTime: number;
  readonly attributes: TopicAttributes;
  published = 0;
  /** Summed over the subscriptions, including removed ones. */
  readonly counters: DeliveryCounters = newCounters();
  readonly pending = new PendingWork();
  readonly #subscriptions = new Map<string, MnsSubscription>();
  readonly #messages: PublishedMessage[] = [];
  readonly #idPrefix = randomBytes(8).toString('hex').toUpperCase();
  #seq = 0;

  constructor(
    readonly name: string,
    attributes: TopicAttributes,
    now: number,
  ) {
    this.attributes = { ...attributes };
    this.createTime = now;
    this.lastModifyTime = now;
  }

  /** Records a message (ids look like MNS's: `<16 hex>-1-<hex ms>-<seq>`). */
  publish(input: { body: string; tag: string | undefined }, now: number): PublishedMessage {
    const seq = ++this.#seq;
    const message: PublishedMessage = {
      messageId: `${this.#idPrefix}-1-${now.toString(16).toUpperCase()}-${String(seq).padStart(9, '0')}`,
      body: input.body,
      bodyMd5: createHash('md5').update(input.body, 'utf8').digest('hex').toUpperCase(),
      tag: input.tag,
      publishTime: now,
    };
    this.published++;
    this.#messages.push(message);
    if (this.#messages.length > KEPT_MESSAGES) this.#messages.shift();
    return message;
  }

  subscription(name: string): MnsSubscription | undefined {
    return this.#subscriptions.get(name);
  }

  /** Sorted by name, as ListSubscriptionByTopic pages them. */
  subscriptions(): MnsSubscription[] {
    return [...this.#subscriptions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  addSubscription(subscription: MnsSubscription): void {
    this.#subscriptions.set(subscription.name, subscription);
  }

  removeSubscription(name: string): boolean {
    const subscription = this.#subscriptions.get(name);
    if (!subscription) return false;
    subscription.remove();
    this.#subscriptions.delete(name);
    return true;
  }

  /** DeleteTopic: every subscription stops. */
  removeAll(): void {
    for (const name of [...this.#subscriptions.keys()]) this.removeSubscription(name);
  }

  view(): MnsTopicView {
    const topic = this;
    return {
      name: this.name,
      get maximumMessageSize() {
        return topic.attributes.maximumMessageSize;
      },
      get loggingEnabled() {
        return topic.attributes.loggingEnabled;
      },
      get published() {
        return topic.published;
      },
      messages: () => [...this.#messages],
      subscriptions: () => this.subscriptions().map((s) => s.view()),
      subscription: (name) => {
        const subscription = this.#subscriptions.get(name);
        if (!subscription) {
          throw new Error(
            `MNS emulator: topic ${JSON.stringify(this.name)} has no subscription ${JSON.stringify(name)}`,
          );
        }
        return subscription.view();
      },
      get stats() {
        return { ...topic.counters };
      },
      drain: () => this.pending.idle(),
    };
  }
}
