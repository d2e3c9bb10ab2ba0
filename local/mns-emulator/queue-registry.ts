import { MnsError } from './mns-errors.js';
import { MnsQueue } from './queue.js';

/** MNS queue names: a letter first, then letters, digits and "-"; at most 256 characters. */
const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,255}$/;

export function isQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

/** The queues of one emulated account. */
export class QueueRegistry {
  readonly #queues = new Map<string, MnsQueue>();

  constructor(private readonly defaults: { visibilityTimeoutSeconds: number; now: () => number }) {}

  get(name: string): MnsQueue | undefined {
    return this.#queues.get(name);
  }

  /** The queue, or the QueueNotExist answer MNS gives for a missing one. */
  require(name: string | undefined): MnsQueue {
    const queue = name === undefined ? undefined : this.#queues.get(name);
    if (!queue) throw new MnsError('QueueNotExist');
    return queue;
  }

  /** Creates the queue, or returns the existing one with its attributes unchanged. */
  ensure(name: string, visibilityTimeoutSeconds?: number): { queue: MnsQueue; created: boolean } {
    if (!isQueueName(name)) throw new MnsError('InvalidQueueName');
    const existing = this.#queues.get(name);
    if (existing) return { queue: existing, created: false };
    const queue = new MnsQueue(name, {
      visibilityTimeoutSeconds: visibilityTimeoutSeconds ?? this.defaults.visibilityTimeoutSeconds,
      now: this.defaults.now,
    });
    this.#queues.set(name, queue);
    return { queue, created: true };
  }

  all(): MnsQueue[] {
    return [...this.#queues.values()];
  }
}
