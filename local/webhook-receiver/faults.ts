import type { ReceiverTarget } from './received.js';

/** An injected answer for the next matching requests (after the request is checked and recorded). */
export interface WebhookFaultSpec {
  target: ReceiverTarget | '*';
  /** HTTP status to answer; omit to answer as usual (after `delayMs`). */
  status?: number;
  /** How many requests to answer so; unlimited until `clear()` when omitted. */
  times?: number;
  /** The answer body: an object is sent as JSON, a string as text/plain. A default fits the status. */
  body?: string | Record<string, unknown>;
  /** Extra answer headers, e.g. `{ 'retry-after': '1' }`. */
  headers?: Record<string, string>;
  /** Wait this long before answering (a client timeout shorter than this sees no answer). */
  delayMs?: number;
}

export interface WebhookFaults {
  add(spec: WebhookFaultSpec): void;
  clear(): void;
}

/** Armed faults; the first match wins and is used up after `times` requests. */
export class WebhookFaultList implements WebhookFaults {
  readonly #faults: { spec: WebhookFaultSpec; left: number }[] = [];

  add(spec: WebhookFaultSpec): void {
    this.#faults.push({ spec: { ...spec }, left: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  take(target: ReceiverTarget): WebhookFaultSpec | undefined {
    const index = this.#faults.findIndex((f) => f.spec.target === '*' || f.spec.target === target);
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.left--;
    if (fault.left <= 0) this.#faults.splice(index, 1);
    return fault.spec;
  }
}
