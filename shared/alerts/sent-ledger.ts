import { createHash } from 'node:crypto';

/**
 * A record's identity across redeliveries: the SHA-256 of its message body. The receipt handle changes on every
 * receive and the MessageId is the queue's (cloud-facts MNS-23); the body is the same in the alert queue (the
 * subscription's SIMPLIFIED copy) and in the topic push that woke the function (STREAM: the body itself, JSON:
 * its `Message`), and a record pushed twice is the same failure.
 */
export function recordDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

export interface SentLedgerOptions {
  /** How long a sent record is remembered; longer than a parked message stays invisible. Default 24 h. */
  ttlMs?: number;
  /** Most records remembered (the oldest are forgotten first). Default 20,000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * What this function instance has already alerted, kept between invocations (FC keeps an instance warm, and the
 * alert function runs one instance at a time): a record whose alert went out is never alerted again, even when
 * its delete failed and MNS hands it over a second time; and the receipt handles of those undeleted messages, so
 * the next run deletes them first. The queue itself holds the rest of the state: such a message is parked
 * invisible for 12 hours, so a fresh instance does not see it either.
 */
export class SentLedger {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** digest → when it was sent; insertion order is age order. */
  readonly #sent = new Map<string, number>();
  /** digest → the latest receipt handle of a sent message still to delete. */
  readonly #undeleted = new Map<string, string>();

  constructor(options: SentLedgerOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 24 * 3600_000;
    this.#maxEntries = options.maxEntries ?? 20_000;
    this.#now = options.now ?? Date.now;
  }

  has(digest: string): boolean {
    this.#expire();
    return this.#sent.has(digest);
  }

  /** Marks records as alerted, before their messages are deleted. */
  markSent(digests: Iterable<string>): void {
    const at = this.#now();
    for (const digest of digests) {
      this.#sent.delete(digest);
      this.#sent.set(digest, at);
    }
    this.#expire();
  }

  /** Sent messages whose delete has not gone through yet, with their latest handles. */
  undeleted(): { digest: string; handle: string }[] {
    this.#expire();
    return [...this.#undeleted].map(([digest, handle]) => ({ digest, handle }));
  }

  /** Remembers (or forgets, with `undefined`) the handle of a sent message still to delete. */
  setUndeleted(digest: string, handle: string | undefined): void {
    if (handle === undefined) this.#undeleted.delete(digest);
    else if (this.#sent.has(digest)) this.#undeleted.set(digest, handle);
  }

  #expire(): void {
    const oldest = this.#now() - this.#ttlMs;
    for (const [digest, at] of this.#sent) {
      if (at > oldest && this.#sent.size <= this.#maxEntries) break;
      this.#sent.delete(digest);
      this.#undeleted.delete(digest);
    }
  }
}
