import {
  type DeliveryCounters,
  type MnsDeliveryAttempt,
  type MnsDeliveryStats,
  newCounters,
} from './delivery-stats.js';
import type { FunctionEventFormat, QueueNotifyFormat } from './notification.js';
import type { NotifyStrategy } from './retry-schedule.js';

/** Where a subscription pushes: a queue of the same account, or a function (FC's MNS topic trigger). */
export type SubscriptionTarget =
  | { readonly kind: 'queue'; readonly queueName: string; readonly format: QueueNotifyFormat }
  | {
      readonly kind: 'function';
      readonly format: FunctionEventFormat;
      /** Rejects (or throws) when the delivery failed. */
      readonly deliver: (payload: Buffer) => Promise<void>;
    };

export interface SubscriptionSettings {
  /** As GetSubscriptionAttributes reports it. */
  endpoint: string;
  filterTag: string | undefined;
  notifyStrategy: NotifyStrategy;
  target: SubscriptionTarget;
}

/** What tests may look at. */
export interface MnsSubscriptionView {
  readonly name: string;
  readonly topic: string;
  readonly kind: 'queue' | 'function';
  readonly endpoint: string;
  readonly filterTag: string | undefined;
  readonly notifyStrategy: NotifyStrategy;
  /** XML / JSON / SIMPLIFIED for a queue, JSON / STREAM for a function. */
  readonly notifyContentFormat: QueueNotifyFormat | FunctionEventFormat;
  readonly stats: MnsDeliveryStats;
  /** Push attempts, oldest first (the latest 1000). */
  attempts(): MnsDeliveryAttempt[];
}

const KEPT_ATTEMPTS = 1000;

export class MnsSubscription {
  readonly createTime: number;
  lastModifyTime: number;
  notifyStrategy: NotifyStrategy;
  readonly endpoint: string;
  readonly filterTag: string | undefined;
  readonly target: SubscriptionTarget;
  readonly counters: DeliveryCounters = newCounters();
  /** Set by Unsubscribe / DeleteTopic: no further attempts. */
  removed = false;
  readonly #attempts: MnsDeliveryAttempt[] = [];
  /** Cancels of scheduled retries, so removal stops them at once. */
  readonly #scheduled = new Set<() => void>();

  constructor(
    readonly topicName: string,
    readonly name: string,
    settings: SubscriptionSettings,
    now: number,
  ) {
    this.endpoint = settings.endpoint;
    this.filterTag = settings.filterTag;
    this.notifyStrategy = settings.notifyStrategy;
    this.target = settings.target;
    this.createTime = now;
    this.lastModifyTime = now;
  }

  /**
   * The MNS message-filtering rule: a subscription with a FilterTag gets only messages with that tag; one without
   * gets every message, tagged or not.
   */
  accepts(tag: string | undefined): boolean {
    return this.filterTag === undefined || this.filterTag === tag;
  }

  /**
   * NotifyContentFormat as the MNS API shows it. A function subscription shows JSON for FC's JSON and SIMPLIFIED
   * for STREAM (the raw body): how FC's own subscription looks through the MNS API is not documented, so this is
   * the emulator's choice.
   */
  get apiContentFormat(): QueueNotifyFormat {
    if (this.target.kind === 'queue') return this.target.format;
    return this.target.format === 'JSON' ? 'JSON' : 'SIMPLIFIED';
  }

  /** Whether another Subscribe with these settings names the same subscription (MNS then answers 204). */
  sameAs(settings: SubscriptionSettings): boolean {
    return (
      this.target.kind === settings.target.kind &&
      this.endpoint === settings.endpoint &&
      this.filterTag === settings.filterTag &&
      this.notifyStrategy === settings.notifyStrategy &&
      this.target.format === settings.target.format
    );
  }

  recordAttempt(attempt: MnsDeliveryAttempt): void {
    this.#attempts.push(attempt);
    if (this.#attempts.length > KEPT_ATTEMPTS) this.#attempts.shift();
  }

  schedule(cancel: () => void): () => void {
    this.#scheduled.add(cancel);
    return () => this.#scheduled.delete(cancel);
  }

  /** Stops pushing: scheduled retries are cancelled, in-flight ones are not retried. */
  remove(): void {
    this.removed = true;
    for (const cancel of [...this.#scheduled]) cancel();
    this.#scheduled.clear();
  }

  view(): MnsSubscriptionView {
    const subscription = this;
    return {
      name: this.name,
      topic: this.topicName,
      kind: this.target.kind,
      endpoint: this.endpoint,
      filterTag: this.filterTag,
      get notifyStrategy() {
        return subscription.notifyStrategy;
      },
      notifyContentFormat: this.target.format,
      get stats() {
        return { ...subscription.counters };
      },
      attempts: () => [...this.#attempts],
    };
  }
}
