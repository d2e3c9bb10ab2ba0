/** The queue operations the emulator answers, named as the MNS API reference names them. */
export type MnsQueueOperation =
  | 'CreateQueue'
  | 'GetQueueAttributes'
  | 'SendMessage'
  | 'BatchSendMessage'
  | 'ReceiveMessage'
  | 'BatchReceiveMessage'
  | 'PeekMessage'
  | 'BatchPeekMessage'
  | 'DeleteMessage'
  | 'BatchDeleteMessage'
  | 'ChangeMessageVisibility';

/** The topic and subscription operations the emulator answers, named as the MNS API reference names them. */
export type MnsTopicOperation =
  | 'CreateTopic'
  | 'GetTopicAttributes'
  | 'SetTopicAttributes'
  | 'DeleteTopic'
  | 'ListTopic'
  | 'PublishMessage'
  | 'Subscribe'
  | 'GetSubscriptionAttributes'
  | 'SetSubscriptionAttributes'
  | 'Unsubscribe'
  | 'ListSubscriptionByTopic';

export type MnsOperation = MnsQueueOperation | MnsTopicOperation;

/** An injected failure for the next matching calls (after authentication, before the operation runs). */
export interface MnsFaultSpec {
  /** The operation to fail, or `'*'` for every operation. */
  op: MnsOperation | '*';
  /** Only calls on this queue (any queue when omitted). */
  queue?: string;
  /** Only calls on this topic (any topic when omitted). */
  topic?: string;
  /** HTTP status to answer. Omit to only add latency and then answer normally. */
  status?: number;
  /** MNS error code; default `InternalError` for 5xx, `InvalidArgument` otherwise. */
  code?: string;
  message?: string;
  /** How many calls to fail; unlimited until `clear()` when omitted. */
  times?: number;
  /** Delay before answering (the call still succeeds when `status` is omitted). */
  latencyMs?: number;
  /** Answer `text/plain`, as a load balancer in front of MNS would; the SDK then returns instead of throwing. */
  nonXml?: boolean;
  /**
   * BatchSendMessage / BatchDeleteMessage only: fail just these entries (0-based) and carry out the rest, answering
   * the documented partial-failure body instead of an `<Error>`.
   */
  failEntries?: readonly number[];
}

export interface MnsFaults {
  add(spec: MnsFaultSpec): void;
  clear(): void;
  /** Faults still armed, in the order they match. */
  readonly active: readonly Readonly<MnsFaultSpec>[];
}

/** Armed faults; the first match wins and is used up after `times` calls. */
export class FaultList implements MnsFaults {
  readonly #faults: { spec: MnsFaultSpec; left: number }[] = [];

  add(spec: MnsFaultSpec): void {
    this.#faults.push({ spec: { ...spec }, left: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  get active(): readonly Readonly<MnsFaultSpec>[] {
    return this.#faults.map((f) => f.spec);
  }

  /** The fault for this call, if any, counting it as used. */
  take(op: MnsOperation, queue: string | undefined, topic?: string): MnsFaultSpec | undefined {
    const index = this.#faults.findIndex(
      (f) =>
        (f.spec.op === '*' || f.spec.op === op) &&
        (f.spec.queue === undefined || f.spec.queue === queue) &&
        (f.spec.topic === undefined || f.spec.topic === topic),
    );
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.left--;
    if (fault.left <= 0) this.#faults.splice(index, 1);
    return fault.spec;
  }
}

export function defaultFaultCode(status: number): string {
  return status >= 500 ? 'InternalError' : 'InvalidArgument';
}
