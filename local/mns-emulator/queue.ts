import { createHash, randomBytes } from 'node:crypto';

/**
 * One in-memory MNS queue: messages become invisible for the visibility timeout when received and come back unless
 * deleted; every receive issues a new receipt handle and invalidates the previous one; long-poll receivers wait on
 * `waitForChange`. Times are epoch milliseconds from the injected clock, as MNS reports them.
 */

export type MessageState = 'visible' | 'inFlight' | 'delayed';

/** A read-only copy of one message, for tests and for responses. */
export interface MnsMessageView {
  readonly messageId: string;
  readonly body: string;
  /** Upper-case hex MD5 of the body (UTF-8), as MNS reports `MessageBodyMD5`. */
  readonly bodyMd5: string;
  readonly priority: number;
  readonly enqueueTime: number;
  /** 0 until the first receive. */
  readonly firstDequeueTime: number;
  readonly dequeueCount: number;
  readonly nextVisibleTime: number;
  /** The handle of the latest receive; only valid while the message is in flight. */
  readonly receiptHandle: string | undefined;
  readonly state: MessageState;
}

/** What tests may look at without disturbing the queue. */
export interface MnsQueueView {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  /** Number of messages held, in any state. */
  readonly size: number;
  /** Every message, in delivery order, without receiving any (no handle, count or visibility changes). */
  peekAll(): MnsMessageView[];
  /** The bodies of `peekAll()`. */
  bodies(): string[];
}

export interface QueueOptions {
  visibilityTimeoutSeconds: number;
  now: () => number;
}

interface StoredMessage {
  seq: number;
  messageId: string;
  body: string;
  bodyMd5: string;
  priority: number;
  enqueueTime: number;
  firstDequeueTime: number;
  dequeueCount: number;
  nextVisibleTime: number;
  receiptHandle: string | undefined;
}

export const DEFAULT_PRIORITY = 8;

export class MnsQueue {
  readonly createTime: number;
  lastModifyTime: number;
  visibilityTimeoutSeconds: number;
  readonly #now: () => number;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #byHandle = new Map<string, StoredMessage>();
  readonly #waiters = new Set<() => void>();
  readonly #idPrefix = randomBytes(8).toString('hex').toUpperCase();
  #seq = 0;
  #handles = 0;

  constructor(
    readonly name: string,
    options: QueueOptions,
  ) {
    this.#now = options.now;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.createTime = this.#now();
    this.lastModifyTime = this.createTime;
  }

  send(input: { body: string; delaySeconds?: number; priority?: number }): MnsMessageView {
    const now = this.#now();
    const seq = ++this.#seq;
    const message: StoredMessage = {
      seq,
      messageId: `${this.#idPrefix}-1-${now.toString(16).toUpperCase()}-${String(seq).padStart(9, '0')}`,
      body: input.body,
      bodyMd5: createHash('md5').update(input.body, 'utf8').digest('hex').toUpperCase(),
      priority: input.priority ?? DEFAULT_PRIORITY,
      enqueueTime: now,
      firstDequeueTime: 0,
      dequeueCount: 0,
      nextVisibleTime: now + (input.delaySeconds ?? 0) * 1000,
      receiptHandle: undefined,
    };
    this.#messages.set(message.messageId, message);
    this.#wake();
    return this.#view(message, now);
  }

  /** Takes up to `max` visible messages, making each invisible for the visibility timeout under a new handle. */
  receive(max: number): MnsMessageView[] {
    const now = this.#now();
    return this.#visible(now)
      .slice(0, max)
      .map((message) => {
        message.dequeueCount++;
        if (message.firstDequeueTime === 0) message.firstDequeueTime = now;
        message.nextVisibleTime = now + this.visibilityTimeoutSeconds * 1000;
        this.#issueHandle(message);
        return this.#view(message, now);
      });
  }

  /** Up to `max` visible messages, untouched (PeekMessage). */
  peek(max: number): MnsMessageView[] {
    const now = this.#now();
    return this.#visible(now)
      .slice(0, max)
      .map((message) => this.#view(message, now));
  }

  /** Deletes the message the handle was issued for; false when the handle is unknown or no longer current. */
  delete(receiptHandle: string): boolean {
    const message = this.#current(receiptHandle);
    if (!message) return false;
    this.#messages.delete(message.messageId);
    this.#byHandle.delete(receiptHandle);
    return true;
  }

  /**
   * Makes the message visible again after `seconds` and issues a new handle, as MNS does; undefined when the handle is
   * unknown or no longer current.
   */
  changeVisibility(
    receiptHandle: string,
    seconds: number,
  ): { receiptHandle: string; nextVisibleTime: number } | undefined {
    const message = this.#current(receiptHandle);
    if (!message) return undefined;
    message.nextVisibleTime = this.#now() + seconds * 1000;
    const handle = this.#issueHandle(message);
    this.#wake();
    return { receiptHandle: handle, nextVisibleTime: message.nextVisibleTime };
  }

  counts(): { active: number; inactive: number; delayed: number } {
    const now = this.#now();
    const counts = { active: 0, inactive: 0, delayed: 0 };
    for (const message of this.#messages.values()) {
      const state = stateOf(message, now);
      if (state === 'visible') counts.active++;
      else if (state === 'inFlight') counts.inactive++;
      else counts.delayed++;
    }
    return counts;
  }

  /**
   * Resolves when a message may have become receivable (a send, a visibility change, the earliest invisible
   * message's return) or after `timeoutMs`, whichever is first. The caller re-checks.
   */
  waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const untilVisible = this.#msUntilNextVisible();
      const delay = Math.max(1, Math.min(timeoutMs, untilVisible));
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      this.#waiters.add(done);
    });
  }

  /** Releases every waiting receiver now (the server is closing). */
  releaseWaiters(): void {
    this.#wake();
  }

  get size(): number {
    return this.#messages.size;
  }

  peekAll(): MnsMessageView[] {
    const now = this.#now();
    return this.#ordered().map((message) => this.#view(message, now));
  }

  /** A read-only facade for tests. */
  view(): MnsQueueView {
    const queue = this;
    return {
      name: this.name,
      get visibilityTimeoutSeconds() {
        return queue.visibilityTimeoutSeconds;
      },
      get size() {
        return queue.size;
      },
      peekAll: () => this.peekAll(),
      bodies: () => this.peekAll().map((message) => message.body),
    };
  }

  #visible(now: number): StoredMessage[] {
    return this.#ordered().filter((message) => message.nextVisibleTime <= now);
  }

  /** Delivery order: higher priority (lower number) first, then first sent first. */
  #ordered(): StoredMessage[] {
    return [...this.#messages.values()].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  #current(receiptHandle: string): StoredMessage | undefined {
    const message = this.#byHandle.get(receiptHandle);
    if (!message || message.receiptHandle !== receiptHandle) return undefined;
    // MNS handles are valid only until NextVisibleTime; after that the message may go to someone else.
    if (message.nextVisibleTime <= this.#now()) return undefined;
    return message;
  }

  /**
   * Handles look like real ones (`1-` + base64 of ASCII), so they hold `=` but never `+` or `/`: base64 of
   * letters, digits and "-" cannot produce those.
   */
  #issueHandle(message: StoredMessage): string {
    if (message.receiptHandle !== undefined) this.#byHandle.delete(message.receiptHandle);
    const raw = `${message.seq}-${++this.#handles}-${message.dequeueCount}-${randomBytes(6).toString('hex')}`;
    const handle = `1-${Buffer.from(raw, 'ascii').toString('base64')}`;
    message.receiptHandle = handle;
    this.#byHandle.set(handle, message);
    return handle;
  }

  #msUntilNextVisible(): number {
    const now = this.#now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const message of this.#messages.values()) {
      if (message.nextVisibleTime > now) earliest = Math.min(earliest, message.nextVisibleTime - now);
    }
    return earliest;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #view(message: StoredMessage, now: number): MnsMessageView {
    return {
      messageId: message.messageId,
      body: message.body,
      bodyMd5: message.bodyMd5,
      priority: message.priority,
      enqueueTime: message.enqueueTime,
      firstDequeueTime: message.firstDequeueTime,
      dequeueCount: message.dequeueCount,
      nextVisibleTime: message.nextVisibleTime,
      receiptHandle: message.receiptHandle,
      state: stateOf(message, now),
    };
  }
}

function stateOf(message: StoredMessage, now: number): MessageState {
  if (message.nextVisibleTime <= now) return 'visible';
  return message.dequeueCount > 0 ? 'inFlight' : 'delayed';
}
